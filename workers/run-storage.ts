import { RunFolder } from '../engine/run/run-folder';
import type { FolderStore } from '../engine/train/folder-store';

/** Opens the store of one folder ("runs", "runs/<id>", "runs/<id>/spf"): OPFS in the browser, memory in tests. */
export type StoreFactory = (folder: readonly string[]) => FolderStore;

const RUNS = 'runs';
const INDEX_FILE = 'index.json';

/**
 * Where the browser keeps its runs:
 *   runs/index.json   the run ids, oldest first (a store lists no folders, so the index does)
 *   runs/<id>/        one run folder each (engine/run/run-folder.ts: run.json, dataset.bin, <variant>/ checkpoints)
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

  /** The folder of one run (it exists once the run has written its record). */
  folder(runId: string): RunFolder {
    return new RunFolder((sub) => this.open([RUNS, runId, ...sub]));
  }

  /** Lists a run whose folder holds its record (so the index never names a run without one). */
  async addToIndex(runId: string): Promise<void> {
    const ids = await this.runIds();
    if (!ids.includes(runId)) await this.open([RUNS]).write(INDEX_FILE, new TextEncoder().encode(JSON.stringify([...ids, runId])));
  }
}
