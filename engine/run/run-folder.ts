import type { FolderStore } from '../train/folder-store';
import { decodeRunRecord, encodeRunRecord, type RunRecord } from './run-record';
import type { Variant } from './run-types';

/** Opens a folder under a run's folder ([] = the run folder itself, ['spf'] = the SPF adapter's checkpoints). */
export type SubfolderOpener = (subfolder: readonly string[]) => FolderStore;

const RECORD_FILE = 'run.json';
const DATASET_FILE = 'dataset.bin';
const VALIDATION_FILE = 'validation.bin';

/**
 * One run's folder, the same in the browser and on disk — so the app opens a CLI run's folder and the CLI resumes a
 * run exported from the browser:
 *   run.json       the run record (config, every metric and eval point, status, the step of the last checkpoint)
 *   dataset.bin    the dataset file's bytes, so a resume needs nothing but the folder (and the model)
 *   validation.bin a separate validation file's bytes, when the run has one (CLI --val FILE)
 *   <variant>/     the training states of each adapter (engine/train/train-state.ts)
 * The CLI's --out DIR is a run folder; the worker keeps one per run under runs/<id>/ in OPFS (workers/run-storage.ts).
 */
export class RunFolder {
  constructor(private readonly open: SubfolderOpener) {}

  get description(): string {
    return this.open([]).description;
  }

  async writeRecord(record: RunRecord): Promise<void> {
    await this.open([]).write(RECORD_FILE, encodeRunRecord(record));
  }

  /** The run's record; undefined when it has none. Throws naming the file when the record is damaged. */
  async readRecord(): Promise<RunRecord | undefined> {
    const store = this.open([]);
    const bytes = await store.read(RECORD_FILE);
    return bytes === undefined ? undefined : decodeRunRecord(bytes, `${RECORD_FILE} in ${store.description}`);
  }

  writeDataset(bytes: Uint8Array): Promise<void> {
    return this.open([]).write(DATASET_FILE, bytes);
  }

  readDataset(): Promise<Uint8Array | undefined> {
    return this.open([]).read(DATASET_FILE);
  }

  writeValidationFile(bytes: Uint8Array): Promise<void> {
    return this.open([]).write(VALIDATION_FILE, bytes);
  }

  readValidationFile(): Promise<Uint8Array | undefined> {
    return this.open([]).read(VALIDATION_FILE);
  }

  trainStates(variant: Variant): FolderStore {
    return this.open([variant]);
  }
}
