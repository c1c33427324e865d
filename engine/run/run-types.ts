/**
 * The plain data shapes of a training run, shared by the engine's TrainingRun, the worker's protocol (which
 * re-exports them to the page) and the CLI. Types only: the page compiles this file and must never pull tfjs in.
 */
import type { BackendName } from '../backend';
import type { LoraConfig } from '../model/lora-config';
import type { SafetyPair, SpfOptions } from '../safety/spf-options';
import type { TrainOptions } from '../train/options';

/** Where the math runs: WebGPU, or a CPU backend (wasm is the fast one; cpu is tfjs' plain JS reference). */
export type BackendChoice = BackendName;

/** Everything one training run is configured by (shown in the UI and the CLI, stored in the run record). */
export interface RunConfig {
  lora: LoraConfig;
  train: TrainOptions;
  spf: SpfOptions;
  probe: SafetyPair[]; // safety probe set (empty: the bundled one)
  evalEvery: number; // probe drift (and validation loss) every N steps
  guard: { enabled: boolean; driftThreshold: number }; // pause when the decision drift crosses the threshold
  compareWithPlain: boolean; // also train plain LoRA on the same data, for the drift comparison chart
}

/** The adapters a run trains: SPF's, or plain LoRA's (the main one when SPF is off, else a comparison). */
export type Variant = 'spf' | 'plain';

/** One step's numbers, as the charts plot them. `variant` separates the SPF run from a plain-LoRA comparison run. */
export interface MetricPoint {
  variant: Variant;
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
  etaSeconds: number;
  /**
   * SPF's step metrics (engine/safety/safety-projector.ts SPF_METRICS): cos(G_t, G_s), the gradient's gate and removed
   * fraction, and for the update AdamW applied: cos(−Δθ, G_s) (≥ 0: the step does not raise the safety loss), its
   * gate and removed fraction (NaN when only the gradient is projected).
   */
  spf?: {
    safetyLoss: number;
    cos: number;
    gate: number;
    removed: number;
    energy: number;
    updateCos: number;
    updateGate: number;
    updateRemoved: number;
  };
}

export interface EvalPoint {
  variant: Variant;
  step: number;
  validationLoss?: number;
  probeLoss: number; // the probe's refusal NLL (every token)
  drift: number; // probeLoss - its value before training
  /**
   * The probe refusals' first-token NLL and its rise: the refuse-or-comply decision, what the guard and the drift chart
   * watch (engine/safety/drift.ts). Absent from points stored before it was measured.
   */
  decisionLoss?: number;
  decisionDrift?: number;
}

/** Greedy token accuracy of the main adapter on the validation rows at an evaluation (TRL's mean_token_accuracy). */
export interface AccuracyPoint {
  step: number;
  accuracy: number; // share of trained positions whose argmax token is the label, 0..1
}

/** One evaluation's answers of the main adapter to the run's sample prompts (step 0: before training). */
export interface SampleGeneration {
  step: number;
  samples: { prompt: string; expected: string; reply: string }[];
}

export type RunStatus = 'idle' | 'running' | 'paused' | 'stopped' | 'done' | 'error';

export interface ModelSummary {
  description: string; // "bundled safetune-demo", "hub Qwen/Qwen3-0.6B", "local folder /models/qwen3"
  architecture: string;
  parameters: number; // base model parameters
  layers: number;
  hiddenSize: number;
  vocabSize: number;
  hasChatTemplate: boolean;
  backend: BackendChoice;
}

/**
 * A model source as the run record keeps it: enough to load the same model again. A hub token is never stored, a
 * folder dropped into the page cannot be re-read (only its name is kept), a CLI run keeps the folder's path.
 */
export type StoredModelSource =
  | { kind: 'bundled'; name: string }
  | { kind: 'hub'; repoId: string; revision?: string }
  | { kind: 'files'; description: string }
  | { kind: 'folder'; path: string };

export interface RunSummary {
  runId: string;
  startedAt: string; // ISO time
  model: string;
  dataset: string; // the dataset file's name as shown (cut to SHOWN_FILE_NAME_CHARS; the record keeps it whole)
  config: RunConfig;
  status: RunStatus;
  step: number;
  totalSteps: number;
  last?: { loss: number; decisionDrift?: number }; // the main adapter's last loss and decision drift
  checkpointStep?: number; // the step its last saved checkpoint holds: a resume continues from there
  reason?: string; // why it paused / failed, as the last runStatus said
}
