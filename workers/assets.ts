import { FetchFiles } from '../engine/weights/fetch-files';

/** Files of the site's public/ folder, e.g. "datasets/safety-probe.jsonl". */
export type AssetReader = (path: string, signal?: AbortSignal) => Promise<Uint8Array>;

/**
 * Reads bundled files over HTTP from `assetBase` (the app's public/ folder). FetchFiles does the work, so a missing
 * file is a SafeTuneError('missing-file') naming it — also when a dev server answers it with its index.html.
 */
export function assetReader(assetBase: string): AssetReader {
  return async (path, signal) => {
    const files = new FetchFiles(assetBase, { description: 'the app\'s bundled files', ...(signal ? { signal } : {}) });
    const source = await files.open(path);
    return (await source.read(0, source.size)).slice();
  };
}
