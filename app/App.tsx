import { CapabilityCheck } from './components/CapabilityCheck';
import { ChatPlayground } from './components/ChatPlayground';
import { DatasetDrop } from './components/DatasetDrop';
import { ErrorList } from './components/ErrorList';
import { ExportPanel } from './components/ExportPanel';
import { ModelPicker } from './components/ModelPicker';
import { PastRuns } from './components/PastRuns';
import { ResumeBanner } from './components/ResumeBanner';
import { RunControls } from './components/RunControls';
import { TrainConfig } from './components/TrainConfig';

/** The page, top to bottom in the order a user works: check the browser, pick a model and data, configure, train, try, export. */
export function App() {
  return (
    <main className="page">
      <header className="page-header">
        <h1>SafeTune</h1>
        <p>Fine-tune a language model with LoRA entirely in your browser, and keep its safety while it learns.</p>
      </header>
      <ResumeBanner />
      <ErrorList />
      <CapabilityCheck />
      <ModelPicker />
      <DatasetDrop />
      <TrainConfig />
      <RunControls />
      <ChatPlayground />
      <ExportPanel />
      <PastRuns />
      <footer className="page-footer">
        <p>Nothing you load here leaves this browser; only model downloads from huggingface.co use the network.</p>
      </footer>
    </main>
  );
}
