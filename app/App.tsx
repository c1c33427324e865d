import { CapabilityCheck } from './components/CapabilityCheck';
import { ChatPlayground } from './components/ChatPlayground';
import { DatasetDrop } from './components/DatasetDrop';
import { ErrorList } from './components/ErrorList';
import { ExportPanel } from './components/ExportPanel';
import { ModelPicker } from './components/ModelPicker';
import { PastRuns } from './components/PastRuns';
import { ResumeBanner } from './components/ResumeBanner';
import { RunBar } from './components/RunBar';
import { RunCharts } from './components/RunCharts';
import { SampleTable } from './components/SampleTable';
import { TrainConfig } from './components/TrainConfig';

/**
 * The page as a training cockpit: model, data and settings in the left column; the run bar and the charts in the
 * right one, pinned, so both are in sight together on a laptop screen while a setting changes; then trying, exporting
 * and the runs kept in this browser. On a narrow screen the columns stack in the same order.
 */
export function App() {
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>SafeTune</h1>
          <p>Fine-tune a language model with LoRA entirely in your browser, and keep its safety while it learns.</p>
        </div>
        <CapabilityCheck />
      </header>
      <ResumeBanner />
      <ErrorList />
      <main className="cockpit">
        <div className="cockpit-setup">
          <ModelPicker />
          <DatasetDrop />
          <TrainConfig />
        </div>
        <div className="cockpit-run">
          <RunBar />
          <RunCharts />
          <SampleTable />
        </div>
      </main>
      <div className="after-run">
        <ChatPlayground />
        <ExportPanel />
        <PastRuns />
      </div>
      <footer className="page-footer">
        <p>Nothing you load here leaves this browser; only model downloads from huggingface.co use the network.</p>
      </footer>
    </div>
  );
}
