import { SafeTuneError } from '../engine/errors';
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

/**
 * `init`'s assetBase as an absolute URL, resolved against the worker's own public/ folder (`ownBase`); refused unless
 * it is on the worker's origin. The app loads its bundled models and datasets from where it is served and works
 * without the network (README "Hosting and untrusted input": the worker fetches only from its own origin and the hub);
 * any URL was taken, so a page could point the bundled model and the safety sets at another host.
 */
export function sameOriginAssetBase(assetBase: string, ownBase: string): string {
  const own = new URL(ownBase);
  let url: URL;
  try {
    url = new URL(assetBase, own);
  } catch {
    throw new SafeTuneError('bad-argument', `init: "assetBase" is not a URL: ${JSON.stringify(assetBase).slice(0, 200)}`, ASSET_BASE_HINT);
  }
  if (url.origin !== own.origin) {
    throw new SafeTuneError('bad-argument', `init: "assetBase" must be on the app's own origin (${own.origin}), got ${JSON.stringify(url.href).slice(0, 200)}`, ASSET_BASE_HINT);
  }
  return url.href;
}

const ASSET_BASE_HINT = 'The bundled files are served with the app: leave assetBase out, or give the path of its public/ folder on this site (e.g. "/safetune/").';
