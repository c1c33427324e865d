/**
 * The files of a model folder the user dropped or picked. The worker finds files by name (config.json,
 * model.safetensors, tokenizer.json, ...), so a folder's files are returned flat; nested folders are read too, since
 * some exports keep the tokenizer one level down.
 */

/** Files from a drop: directories are walked (Chrome's entries API); plain dropped files are taken as they are. */
export async function filesFromDrop(data: DataTransfer): Promise<File[]> {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry();
    if (entry !== null) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file !== null) loose.push(file);
    }
  }
  if (entries.length === 0 && loose.length === 0) return Array.from(data.files);
  const walked = await Promise.all(entries.map(walkEntry));
  return [...walked.flat(), ...loose];
}

async function walkEntry(entry: FileSystemEntry): Promise<File[]> {
  if (isFile(entry)) return [await new Promise<File>((resolve, reject) => entry.file(resolve, reject))];
  if (!isDirectory(entry)) return [];
  const reader = entry.createReader();
  const children: FileSystemEntry[] = [];
  // readEntries returns the entries in chunks (100 in Chrome) until it returns an empty one.
  for (;;) {
    const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (chunk.length === 0) break;
    children.push(...chunk);
  }
  return (await Promise.all(children.map(walkEntry))).flat();
}

const isFile = (e: FileSystemEntry): e is FileSystemFileEntry => e.isFile;
const isDirectory = (e: FileSystemEntry): e is FileSystemDirectoryEntry => e.isDirectory;

type DirectoryPicker = (options?: { mode?: 'read' }) => Promise<FileSystemDirectoryHandle>;
type IterableDirectory = FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> };

/** The File System Access folder picker, where the browser has one (Chrome, Edge); undefined elsewhere. */
export function directoryPicker(): DirectoryPicker | undefined {
  const picker: unknown = Reflect.get(window, 'showDirectoryPicker');
  return typeof picker === 'function' ? (picker.bind(window) as DirectoryPicker) : undefined;
}

/** Every file under a picked directory handle. */
export async function filesFromDirectory(handle: FileSystemDirectoryHandle): Promise<File[]> {
  const files: File[] = [];
  for await (const child of (handle as IterableDirectory).values()) {
    if (child.kind === 'file') files.push(await (child as FileSystemFileHandle).getFile());
    else files.push(...(await filesFromDirectory(child as FileSystemDirectoryHandle)));
  }
  return files;
}

/** The folder's name, for labels: the top of a webkitRelativePath, or what the caller knows. */
export function folderLabel(files: readonly File[], fallback = 'local folder'): string {
  const top = files.find((f) => f.webkitRelativePath)?.webkitRelativePath.split('/')[0];
  return top ? `local folder ${top}` : fallback;
}
