import type { BackendChoice, ModelSource, RowFormat, RunConfig } from '../workers/protocol';
import { downloadBlob } from './download-blob';
import { readModelShape } from './model/read-shape';
import type { AppStore } from './store/app-store';
import { applyWorkerEvent } from './store/apply-worker-event';
import type { ModelSide } from './store/chat-slice';
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
   * Reads the model's config.json on the page for the memory estimate, before anything is downloaded. Failing to read
   * it is not an error to show: the estimate just stays blank, and the worker's load says what is wrong.
   */
  async previewModel(source: ModelSource): Promise<void> {
    const ticket = ++this.shapeTicket; // only the latest preview may set the shape
    this.s.setModelShape(undefined);
    const shape = await readModelShape(source).catch(() => undefined);
    if (ticket === this.shapeTicket) this.s.setModelShape(shape);
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
      const { summary, batchShape } = eventOfType(events, 'modelLoaded');
      this.s.modelLoaded(summary);
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
    try {
      const maxLength = config?.train.maxLength ?? 512;
      const validation = this.s.validationFraction;
      const common = { type: 'loadDataset' as const, maxLength, ...(format === undefined ? {} : { format }), ...(validation > 0 ? { validation } : {}) };
      let events: RequestEvent[];
      if (choice.kind === 'bundled') {
        events = await this.client.request({ ...common, source: { kind: 'bundled', fileName: choice.fileName } });
      } else {
        const bytes = await choice.file.arrayBuffer(); // a fresh copy each time: the last one was transferred away
        events = await this.client.request({ ...common, source: { kind: 'bytes', fileName: choice.file.name, bytes } }, { transfer: [bytes] });
      }
      const loaded = eventOfType(events, 'datasetLoaded');
      this.s.datasetLoaded(loaded.report, loaded.preview);
    } catch (e) {
      const error = toUiError('dataset', e);
      this.s.datasetFailed({ ...error, message: error.message.includes(datasetName(choice)) ? error.message : `${datasetName(choice)}: ${error.message}` });
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
          else if (e.type === 'datasetLoaded') this.s.datasetLoaded(e.report, e.preview);
          else if (e.type === 'downloadProgress') this.s.modelDownload(e.file, e.loadedBytes, e.totalBytes);
        },
      });
    } catch (e) {
      this.s.runFailed(toUiError('run', e));
    } finally {
      this.s.setRunRequestPending(false);
    }
    await this.listRuns(); // the run list shows this run's new state (paused, finished, no longer interrupted)
  }

  /** The sides there is a model for: the fine-tuned one exists once a run has started (or been resumed). */
  private sides(): ModelSide[] {
    return this.s.runId === undefined ? ['base'] : ['base', 'tuned'];
  }

  /** The same prompt to the base model and the fine-tuned one, one after the other, each streamed into the store. */
  async chat(prompt: string, maxNewTokens: number, temperature: number): Promise<void> {
    this.chatRun?.abort();
    const abort = new AbortController();
    this.chatRun = abort;
    for (const which of this.sides()) {
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
        const result = eventOfType(await this.client.request({ type: 'refusalCheck', which, ...(prompts.length > 0 ? { prompts } : {}) }), 'refusalResult');
        this.s.setRefusal(which, { rate: result.rate, total: result.total, samples: result.samples ?? [] });
      }
    } catch (e) {
      this.s.setChatError(toUiError('chat', e));
    } finally {
      this.s.setRefusalRunning(false);
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
