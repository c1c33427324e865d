import { RunFolder } from '../engine/run/run-folder';
import { SafeTuneError } from '../engine/errors';
import type { RunRecord } from '../engine/run/run-record';
import { checkPlainName, type FolderStore } from '../engine/train/folder-store';

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

  /** The folder of one run (it exists once the run has written its record); its id must be a plain folder name. */
  folder(runId: string): RunFolder {
    checkPlainName(runId, 'folder', 'browser storage');
    return new RunFolder((sub) => this.open([RUNS, runId, ...sub]));
  }

  /**
   * The record of run `runId`, which must name that run: a stored record is untrusted (a run folder can be edited or
   * copied), and its runId names the exported files and the folder a resumed run writes to — "../../x" made a zip entry
   * and a download name outside the run's own.
   */
  async readRecord(runId: string): Promise<RunRecord | undefined> {
    const folder = this.folder(runId);
    const record = await folder.readRecord();
    if (record !== undefined && record.runId !== runId) {
      throw new SafeTuneError('bad-argument', `run.json in ${folder.description} names run ${JSON.stringify(record.runId).slice(0, 120)}, not ${runId}`, 'The run folder was edited or mixed with another run; delete it or restore it.');
    }
    return record;
  }

  /** Lists a run whose folder holds its record (so the index never names a run without one). */
  async addToIndex(runId: string): Promise<void> {
    const ids = await this.runIds();
    if (!ids.includes(runId)) await this.open([RUNS]).write(INDEX_FILE, new TextEncoder().encode(JSON.stringify([...ids, runId])));
  }
}
