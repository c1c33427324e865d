import type { BackendChoice, ModelSource, PresetId, RowFormat, RunConfig } from '../workers/protocol';
import { downloadBlob } from './download-blob';
import { checkDatasetFile } from './dataset/file-check';
import { readModelShape } from './model/read-shape';
import type { AppStore } from './store/app-store';
import { applyWorkerEvent } from './store/apply-worker-event';
import type { ModelSide, RefusalSide } from './store/chat-slice';
import { datasetName, type DatasetChoice } from './store/dataset-slice';
import { toUiError } from './store/ui-error';
import { eventOfType, WorkerClient, WorkerError, type RequestEvent } from './worker-client';

/** The bundled demo model: public/models/safetune-demo/, loaded with no network. */
export const DEMO_MODEL = 'safetune-demo';

/**
 * Everything the page asks of the worker, each as one method that records its progress and outcome in the store.
 * Components call these and render the store; they never talk to the worker themselves. Every failure lands in the
 * store as a readable error on the step it belongs to, never as an unhandled rejection.
 */
export class Session {
  private modelLoad: AbortController | undefined;
  private chatRun: AbortController | undefined;
  private shapeTicket = 0;

  constructor(
    private readonly client: WorkerClient,
    private readonly store: AppStore,
  ) {
    client.subscribe((event) => applyWorkerEvent(store, event));
  }

  private get s() {
    return this.store.getState();
  }

  /** Starts the engine on WebGPU (or the CPU when the page found none), lists past runs, loads the demo model. */
  async start(backend: BackendChoice): Promise<void> {
    try {
      const events = await this.client.request({ type: 'init', backend });
      const ready = eventOfType(events, 'ready');
      this.s.workerReady(ready.backend, ready.adapter, ready.fallback);
      if (ready.defaults === undefined) {
        throw new WorkerError('protocol', 'The worker sent no default run configuration.', 'Reload the page; this is a bug in SafeTune.');
      }
      this.s.setEngineDefaults(ready.defaults);
    } catch (e) {
      this.s.workerFailed(toUiError('setup', e));
      return;
    }
    await this.listRuns();
    await this.loadModel({ kind: 'bundled', name: DEMO_MODEL }, `bundled ${DEMO_MODEL}`);
  }

  async listRuns(): Promise<void> {
    try {
      const runs = eventOfType(await this.client.request({ type: 'listRuns' }), 'runs');
      this.s.setPastRuns(runs.runs, runs.resumable);
    } catch (e) {
      this.s.pushError(toUiError('setup', e));
    }
  }

  /**
   * Reads the model's config.json on the page for the memory estimate, before anything is downloaded. When the user
   * asked for the estimate (`explicit`), a failure says why (offline, no such model); beside a load it stays quiet,
   * since the load's own error says what is wrong.
   */
  async previewModel(source: ModelSource, explicit = false): Promise<void> {
    const ticket = ++this.shapeTicket; // only the latest preview may set the shape
    this.s.setModelShape(undefined);
    let problem: string | undefined;
    const shape = await readModelShape(source).catch((e: unknown) => {
      problem = e instanceof Error ? e.message : String(e);
      return undefined;
    });
    if (ticket !== this.shapeTicket) return;
    const name = source.kind === 'hub' ? source.repoId : source.kind === 'bundled' ? source.name : 'the model folder';
    this.s.setModelShape(shape, shape === undefined && explicit ? `No estimate: the config.json of ${name} could not be read (${problem ?? 'unknown reason'}). Check the network connection and the model id.` : undefined);
  }

  async loadModel(source: ModelSource, label: string): Promise<void> {
    this.modelLoad?.abort();
    const abort = new AbortController();
    this.modelLoad = abort;
    this.s.modelLoading(label);
    void this.previewModel(source); // beside the load, not before it: a slow hub answer must not hold the load up
    try {
      const events = await this.client.request(
        { type: 'loadModel', source },
        {
          signal: abort.signal,
          onEvent: (e) => {
            if (e.type === 'downloadProgress') this.s.modelDownload(e.file, e.loadedBytes, e.totalBytes);
            // The worker reads a chosen dataset again with the new tokenizer: the page only shows the new report.
            else if (e.type === 'datasetLoaded') this.s.datasetLoaded(e.report, e.preview);
          },
        },
      );
      const { summary, batchShape, presets } = eventOfType(events, 'modelLoaded');
      this.s.modelLoaded(summary);
      this.s.setPresets(presets ?? []);
      // The batch shape the engine suggests for this model's size; the user's other choices stay. SPF's subspace rank
      // cannot exceed the LoRA rank.
      const config = this.s.config;
      if (config !== undefined && this.s.runStatus === 'idle') {
        this.s.setConfig({ ...config, train: { ...config.train, ...batchShape }, spf: { ...config.spf, k: Math.min(config.spf.k, config.lora.r) } });
      }
    } catch (e) {
      if (abort.signal.aborted) return; // replaced by a newer load, or cancelled: not an error to show
      this.s.modelFailed(toUiError('model', e));
    }
  }

  cancelModelLoad(): void {
    this.modelLoad?.abort();
    this.s.modelFailed({ area: 'model', code: 'aborted', message: 'Model download cancelled.', hint: 'Pick a model to load.' });
  }

  /** Loads (or reloads, with another format or max length) a dataset; the worker reports rows, rejections, lengths. */
  async loadDataset(choice: DatasetChoice, format: RowFormat | undefined): Promise<void> {
    const config = this.s.config;
    this.s.datasetLoading(choice, format);
    const onEvent = (e: RequestEvent): void => {
      if (e.type === 'progress' && e.task === 'tokenize') this.s.setProgress('tokenize', { done: e.done, total: e.total });
    };
    try {
      // The file's type is checked before the worker parses it: an image or an archive is named as such, instead of
      // being read as a one-column CSV whose error asks for a column mapping.
      if (choice.kind === 'file') {
        const problem = await checkDatasetFile(choice.file);
        if (problem !== undefined) throw new WorkerError('bad-dataset', problem.message, problem.hint);
      }
      const maxLength = config?.train.maxLength ?? 512;
      const validation = this.s.validationFraction;
      const common = { type: 'loadDataset' as const, maxLength, ...(format === undefined ? {} : { format }), ...(validation > 0 ? { validation } : {}) };
      let events: RequestEvent[];
      if (choice.kind === 'bundled') {
        events = await this.client.request({ ...common, source: { kind: 'bundled', fileName: choice.fileName } }, { onEvent });
      } else {
        const bytes = await choice.file.arrayBuffer(); // a fresh copy each time: the last one was transferred away
        events = await this.client.request({ ...common, source: { kind: 'bytes', fileName: choice.file.name, bytes } }, { transfer: [bytes], onEvent });
      }
      const loaded = eventOfType(events, 'datasetLoaded');
      this.s.datasetLoaded(loaded.report, loaded.preview);
    } catch (e) {
      const error = toUiError('dataset', e);
      this.s.datasetFailed({ ...error, message: error.message.includes(datasetName(choice)) ? error.message : `${datasetName(choice)}: ${error.message}` });
    } finally {
      this.s.setProgress('tokenize', undefined);
    }
  }

  async startRun(): Promise<void> {
    const { config, report } = this.s;
    if (config === undefined || report === undefined) return;
    // The worker reads the dataset again when the max length or the held-out share changed (datasetLoaded follows).
    await this.runRequest({ type: 'startRun', config, validation: this.s.validationFraction });
  }

  /** Resumes the paused run, or one a reload interrupted. */
  async resume(runId: string): Promise<void> {
    await this.runRequest({ type: 'resumeRun', runId });
  }

  pause(): void {
    this.client.send({ type: 'pause' });
  }

  /** Asks a live run for a checkpoint after its step in flight: the tab is being hidden or closed (main.tsx). */
  checkpointNow(): void {
    if (this.s.runStatus === 'running') this.client.send({ type: 'checkpoint' });
  }

  stop(): void {
    this.client.send({ type: 'stop' });
  }

  /**
   * Sends startRun / resumeRun. The worker answers with `runStarted` at once and `done` only when the run ends (it
   * finishes, pauses or stops), so the store follows the events, and the promise only matters for errors.
   */
  private async runRequest(command: { type: 'startRun'; config: RunConfig; validation: number } | { type: 'resumeRun'; runId: string }): Promise<void> {
    this.s.runFailed(undefined);
    this.s.setRunRequestPending(true);
    try {
      await this.client.request(command, {
        onEvent: (e) => {
          if (e.type === 'runStarted') {
            if (this.s.seriesRunId !== e.run.runId) this.s.resetSeries(e.run.runId);
            this.s.runStarted(e.run);
          } else if (e.type === 'modelLoaded') this.s.modelLoaded(e.summary);
          else if (e.type === 'datasetLoaded') {
            // A resumed run reads the dataset stored with it; a new run only re-reads the current one.
            if (command.type === 'resumeRun') this.s.datasetRestored(e.report, e.preview, undefined);
            else this.s.datasetLoaded(e.report, e.preview);
          } else if (e.type === 'downloadProgress') this.s.modelDownload(e.file, e.loadedBytes, e.totalBytes);
          else if (e.type === 'progress' && e.task === 'tokenize') this.s.setProgress('tokenize', { done: e.done, total: e.total });
        },
      });
    } catch (e) {
      this.s.runFailed(toUiError('run', e));
    } finally {
      this.s.setRunRequestPending(false);
      this.s.setProgress('tokenize', undefined);
    }
    await this.listRuns(); // the run list shows this run's new state (paused, finished, no longer interrupted)
  }

  /**
   * The sides there is a model for: the fine-tuned one exists once a run has started (or been resumed); the plain-LoRA
   * one when that run trains the comparison.
   */
  private sides(): RefusalSide[] {
    return this.s.runId === undefined ? ['base'] : ['base', 'tuned'];
  }

  private chatSides(): ModelSide[] {
    const config = this.s.config;
    const plain = this.s.runId !== undefined && config !== undefined && config.spf.enabled && config.compareWithPlain;
    return plain ? [...this.sides(), 'plain'] : this.sides();
  }

  /** The same prompt to the base model and the fine-tuned one(s), one after the other, each streamed into the store. */
  async chat(prompt: string, maxNewTokens: number, temperature: number): Promise<void> {
    this.chatRun?.abort();
    const abort = new AbortController();
    this.chatRun = abort;
    this.s.chatAsked(prompt);
    for (const which of this.chatSides()) {
      this.s.chatStarted(which);
      try {
        await this.client.request(
          { type: 'generate', prompt, which, maxNewTokens, temperature },
          { signal: abort.signal, onEvent: (e) => e.type === 'token' && this.s.chatToken(e.which, e.text) },
        );
        this.s.chatFinished(which, 'done');
      } catch (e) {
        this.s.chatFinished(which, 'error');
        if (!abort.signal.aborted) this.s.setChatError(toUiError('chat', e));
        return;
      }
    }
  }

  stopChat(): void {
    this.chatRun?.abort();
  }

  /**
   * Refusal rate on the probe prompts (the harmful requests of the safety probe set: never trained on), before (base)
   * and after (tuned) fine-tuning, greedy answers judged by the worker's keyword judge.
   */
  async refusalCheck(): Promise<void> {
    const { config, defaultProbe } = this.s;
    const probe = config !== undefined && config.probe.length > 0 ? config.probe : defaultProbe;
    const prompts = probe.map((p) => p.request);
    this.s.setRefusalRunning(true);
    try {
      for (const which of this.sides()) {
        const onEvent = (e: RequestEvent): void => {
          if (e.type === 'progress' && e.task === 'refusal') this.s.setProgress('refusal', { done: e.done, total: e.total });
        };
        this.s.setProgress('refusal', undefined);
        const result = eventOfType(await this.client.request({ type: 'refusalCheck', which, ...(prompts.length > 0 ? { prompts } : {}) }, { onEvent }), 'refusalResult');
        this.s.setRefusal(which, { rate: result.rate, total: result.total, samples: result.samples ?? [] });
      }
    } catch (e) {
      this.s.setChatError(toUiError('chat', e));
    } finally {
      this.s.setRefusalRunning(false);
      this.s.setProgress('refusal', undefined);
    }
  }

  /**
   * Applies a preset to the settings (listing the fields it set) and loads what it trains on: the quick demo's task,
   * on the demo model.
   */
  async applyPreset(id: PresetId): Promise<void> {
    if (id === 'quick-demo' && this.s.modelSummary?.description !== `bundled ${DEMO_MODEL}`) {
      await this.loadModel({ kind: 'bundled', name: DEMO_MODEL }, `bundled ${DEMO_MODEL}`);
    }
    // The presets for the loaded model's size came with it (modelLoaded).
    const preset = this.s.presets.find((p) => p.id === id);
    if (preset === undefined || this.s.config === undefined) return;
    this.s.applyPreset(preset);
    if (preset.dataset !== undefined) await this.loadDataset({ kind: 'bundled', fileName: preset.dataset }, undefined);
  }

  /** Draws a stored run's curves beside the current run's (or takes them away again). */
  async toggleOverlay(runId: string): Promise<void> {
    if (this.s.overlays.some((o) => o.runId === runId)) {
      this.s.removeOverlay(runId);
      return;
    }
    try {
      const series = eventOfType(await this.client.request({ type: 'runSeries', runId }), 'runSeries');
      this.s.addOverlay(runId, series.metrics, series.evals);
    } catch (e) {
      this.s.pushError(toUiError('run', e));
    }
  }

  /** Asks the worker for files and hands each to the browser as a download: of the current run, or a stored one. */
  async export(what: 'adapter' | 'merged' | 'record', runId?: string): Promise<void> {
    this.s.setExporting(what);
    try {
      const events = await this.client.request({ type: 'export', what, ...(runId === undefined ? {} : { runId }) });
      const files = events.filter((e) => e.type === 'file');
      if (files.length === 0) throw new WorkerError('protocol', `The worker exported no ${what} files.`, 'Reload the page; this is a bug in SafeTune.');
      for (const f of files) {
        const url = downloadBlob(new Blob([f.bytes], { type: f.mime }), f.fileName);
        this.s.addDownload({ fileName: f.fileName, url, bytes: f.bytes.byteLength });
      }
      this.s.setExporting(undefined);
    } catch (e) {
      this.s.setExporting(undefined, toUiError('export', e));
    }
  }
}
