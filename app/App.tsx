import { CapabilityCheck } from './components/CapabilityCheck';

/** The shell: for now only the WebGPU capability check; the trainer UI grows around it. */
export function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: '48rem', margin: '2rem auto', padding: '0 1rem' }}>
      <h1>SafeTune</h1>
      <p>Safety-preserving LoRA fine-tuning, entirely in your browser on WebGPU.</p>
      <CapabilityCheck />
    </main>
  );
}
