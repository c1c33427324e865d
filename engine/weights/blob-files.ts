import { SafeTuneError } from '../errors';
import type { ByteSource } from './byte-source';
import { MemoryFiles } from './memory-files';
import type { ModelFiles } from './model-files';

/** A picked or dropped file; `path` overrides the name (drag-and-drop entries carry their path separately). */
export type PickedFile = File | { path: string; blob: Blob };

/**
 * The files of a folder the user picked (<input webkitdirectory>) or dropped. Each file's path inside the model folder
 * is its webkitRelativePath without the top folder ("my-model/config.json" -> "config.json"), or its name when it
 * has none. Files are read lazily through Blob slices: nothing is loaded until a tensor is read.
 */
export class BlobFiles implements ModelFiles {
  readonly description: string;
  private readonly inner: MemoryFiles;

  constructor(picked: Iterable<PickedFile>) {
    const files = new Map<string, Blob>();
    const origins = new Map<string, string>();
    let topFolder: string | undefined;
    for (const entry of picked) {
      const { path, origin, top } = placeOf(entry);
      topFolder ??= top;
      const earlier = origins.get(path);
      if (earlier !== undefined) {
        throw new SafeTuneError(
          'bad-argument',
          `two picked files would both be ${path} in the model folder: ${earlier} and ${origin}`,
          'Pick or drop one model folder at a time.',
        );
      }
      origins.set(path, origin);
      files.set(path, entry instanceof File ? entry : entry.blob);
    }
    this.description = topFolder === undefined ? 'picked files' : `local folder ${topFolder}`;
    this.inner = new MemoryFiles(files, this.description);
  }

  has(path: string): Promise<boolean> {
    return this.inner.has(path);
  }

  open(path: string): Promise<ByteSource> {
    return this.inner.open(path);
  }

  text(path: string): Promise<string> {
    return this.inner.text(path);
  }

  list(): Promise<string[]> {
    return this.inner.list();
  }
}

function placeOf(entry: PickedFile): { path: string; origin: string; top: string | undefined } {
  if (!(entry instanceof File)) return { path: entry.path, origin: entry.path, top: undefined };
  // Not every File has webkitRelativePath (drag-and-drop files, Node's File): treat a missing one like an empty one.
  const relative = (entry as { webkitRelativePath?: unknown }).webkitRelativePath;
  if (typeof relative === 'string' && relative.includes('/')) {
    const slash = relative.indexOf('/');
    return { path: relative.slice(slash + 1), origin: relative, top: relative.slice(0, slash) };
  }
  return { path: entry.name, origin: entry.name, top: undefined };
}
