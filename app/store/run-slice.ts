import type { StateCreator } from 'zustand';
import type { EngineDefaults, PresetChoice, PresetId, RunConfig, RunStatus, RunSummary, SafetyPair } from '../../workers/protocol';
import type { AppState } from './app-store';
import type { UiError } from './ui-error';

/** The sections of RunConfig that are objects, edited field by field in the form. */
type ConfigSection = 'lora' | 'train' | 'spf' | 'guard';

export interface RunSlice {
  /** The run being configured; undefined until the engine's defaults arrive. */
  config: RunConfig | undefined;
  /** The engine's defaults, as they came, for "reset" and for showing what a field's default is. */
  defaultConfig: RunConfig | undefined;
  /** The bundled safety anchor and probe set, used when the config's lists are empty (shown in the form). */
  defaultAnchors: SafetyPair[];
  /** The bundled 32 anchors, the form's "more refusals" anchor set (app/config/spf-anchor-sets.ts); empty when absent. */
  defaultWideAnchors: SafetyPair[];
  defaultProbe: SafetyPair[];

  runId: string | undefined;
  runStatus: RunStatus;
  step: number;
  totalSteps: number;
  /** Why the run paused or stopped when the worker said (the safety guard, a lost device). */
  statusReason: string | undefined;
  runError: UiError | undefined;
  /**
   * The worker's GPU device was lost: every later GPU command fails the same way until a reload gets a fresh device,
   * so the page offers a reload instead of a resume. Only a reload clears it.
   */
  deviceLost: boolean;
  /** A startRun / resumeRun sent and not yet answered with runStarted or an error: no second one meanwhile. */
  runRequestPending: boolean;

  pastRuns: RunSummary[];
  /** The run a reload interrupted, which the worker can resume. */
  resumableRunId: string | undefined;
  /** The presets the engine offers for the loaded model's size, each with the fields it sets. */
  presets: PresetChoice[];
  /** The preset last applied (its fields are listed on the page; each stays editable). */
  presetId: PresetId | undefined;

  setEngineDefaults(defaults: EngineDefaults): void;
  setDefaultConfig(config: RunConfig): void;
  patchConfig<S extends ConfigSection>(section: S, patch: Partial<RunConfig[S]>): void;
  setConfig(patch: Partial<RunConfig>): void;
  runStarted(run: RunSummary): void;
  runStatusChanged(runId: string, status: RunStatus, step: number, totalSteps: number, reason: string | undefined): void;
  runFailed(error: UiError | undefined): void;
  setRunRequestPending(pending: boolean): void;
  setPastRuns(runs: RunSummary[], resumable: string | undefined): void;
  setPresets(presets: PresetChoice[]): void;
  applyPreset(preset: PresetChoice): void;
}

export const createRunSlice: StateCreator<AppState, [], [], RunSlice> = (set) => ({
  config: undefined,
  defaultConfig: undefined,
  defaultAnchors: [],
  defaultWideAnchors: [],
  defaultProbe: [],
  runId: undefined,
  runStatus: 'idle',
  step: 0,
  totalSteps: 0,
  statusReason: undefined,
  runError: undefined,
  deviceLost: false,
  runRequestPending: false,
  pastRuns: [],
  resumableRunId: undefined,
  presets: [],
  presetId: undefined,

  setEngineDefaults: (d) =>
    set({ defaultConfig: d.run, config: structuredClone(d.run), defaultAnchors: d.anchors, defaultWideAnchors: d.wideAnchors, defaultProbe: d.probe }),
  setDefaultConfig: (config) => set({ defaultConfig: config, config: structuredClone(config), presetId: undefined }),
  patchConfig: (section, patch) =>
    set((s) => (s.config === undefined ? {} : { config: { ...s.config, [section]: { ...s.config[section], ...patch } } })),
  setConfig: (patch) => set((s) => (s.config === undefined ? {} : { config: { ...s.config, ...patch } })),
  runStarted: (run) =>
    set({
      runId: run.runId,
      runStatus: run.status,
      step: run.step,
      totalSteps: run.totalSteps,
      statusReason: undefined,
      runError: undefined,
      runRequestPending: false,
      config: run.config,
    }),
  runStatusChanged: (runId, status, step, totalSteps, reason) =>
    set((s) => (s.runId !== undefined && s.runId !== runId ? {} : { runId, runStatus: status, step, totalSteps, statusReason: reason })),
  // The status itself comes from the worker's runStatus events (a lost device pauses the run, it does not end it).
  runFailed: (error) => set((s) => ({ runError: error, deviceLost: s.deviceLost || error?.code === 'device-lost' })),
  setRunRequestPending: (pending) => set({ runRequestPending: pending }),
  setPastRuns: (runs, resumable) => set({ pastRuns: runs, resumableRunId: resumable }),
  setPresets: (presets) => set({ presets }),
  // The preset's fields replace those of the settings shown, section by section; every other field keeps its value.
  applyPreset: ({ id, patch }) =>
    set((s) =>
      s.config === undefined
        ? {}
        : {
            presetId: id,
            config: {
              ...s.config,
              lora: { ...s.config.lora, ...patch.lora },
              train: { ...s.config.train, ...patch.train },
              spf: { ...s.config.spf, ...patch.spf },
              ...(patch.evalEvery === undefined ? {} : { evalEvery: patch.evalEvery }),
            },
          },
    ),
});
