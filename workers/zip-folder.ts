import { zipSync, type Zippable } from 'fflate';

/**
 * Files as one zip (fflate), stored without compression: safetensors hardly compress, and storing keeps a merged
 * model's export as fast as copying it. Names are paths inside the zip ("model.safetensors", "README.md").
 */
export function zipFolder(files: Iterable<[string, Uint8Array]>): Uint8Array {
  const entries: Zippable = Object.create(null) as Zippable; // names come from model folders: no prototype keys
  const seen = new Set<string>();
  for (const [name, bytes] of files) {
    if (seen.has(name)) throw new Error(`zipFolder: ${name} is given twice`);
    seen.add(name);
    entries[name] = bytes;
  }
  return zipSync(entries, { level: 0 });
}
