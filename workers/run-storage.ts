import type { CheckpointStore } from '../engine/train/checkpoint-store';
import { decodeRunRecord, encodeRunRecord, type RunRecord } from './run-record';

/** Opens the store of one folder ("runs", "runs/<id>", "runs/<id>/spf"): OPFS in the browser, memory in tests. */
export type StoreFactory = (folder: readonly string[]) => CheckpointStore;

export type Variant = 'spf' | 'plain';

const RUNS = 'runs';
const INDEX_FILE = 'index.json';
const RECORD_FILE = 'run.json';
const DATASET_FILE = 'dataset.bin';

/**
 * Where runs live:
 *   runs/index.json              the run ids, oldest first (a store lists no folders, so the index does)
 *   runs/<id>/run.json           the run record
 *   runs/<id>/dataset.bin        the dataset file's bytes, so a reload can resume without the user dropping it again
 *   runs/<id>/<variant>/         the checkpoint of each trained adapter (engine/train/checkpoint.ts files)
 * Every file is replaced whole by the store (temporary file + rename / atomic swap).
 */
export class RunStorage {
  constructor(private readonly open: StoreFactory) {}

  async runIds(): Promise<string[]> {
    const bytes = await this.open([RUNS]).read(INDEX_FILE);
    if (bytes === undefined) return [];
    try {
      const ids: unknown = JSON.parse(new TextDecoder().decode(bytes));
      return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
    } catch {
      return []; // a damaged index hides the runs but must not stop new ones
    }
  }

  /** Creates a run: its dataset bytes and record, then its entry in the index (so the index never names a run without a record). */
  async create(record: RunRecord, datasetBytes: Uint8Array): Promise<void> {
    await this.open([RUNS, record.runId]).write(DATASET_FILE, datasetBytes);
    await this.writeRecord(record);
    const ids = await this.runIds();
    if (!ids.includes(record.runId)) await this.open([RUNS]).write(INDEX_FILE, new TextEncoder().encode(JSON.stringify([...ids, record.runId])));
  }

  async writeRecord(record: RunRecord): Promise<void> {
    await this.open([RUNS, record.runId]).write(RECORD_FILE, encodeRunRecord(record));
  }

  /** The run's record; undefined when it has none. Throws naming the run when the record is damaged. */
  async readRecord(runId: string): Promise<RunRecord | undefined> {
    const store = this.open([RUNS, runId]);
    const bytes = await store.read(RECORD_FILE);
    return bytes === undefined ? undefined : decodeRunRecord(bytes, `${RECORD_FILE} in ${store.description}`);
  }

  async readDataset(runId: string): Promise<Uint8Array | undefined> {
    return this.open([RUNS, runId]).read(DATASET_FILE);
  }

  checkpoints(runId: string, variant: Variant): CheckpointStore {
    return this.open([RUNS, runId, variant]);
  }
}
