import { unzipSync } from 'fflate';
import type { WorkerEvent } from '../../../workers/protocol';

/** An export's one download: its zip's name and the files in it (the worker sends every export as one zip). */
export function zipOf(events: readonly WorkerEvent[]): { fileName: string; files: Map<string, Uint8Array> } {
  const downloads = events.flatMap((e) => (e.type === 'file' ? [e] : []));
  if (downloads.length !== 1) throw new Error(`expected one download, got ${downloads.length}: ${downloads.map((d) => d.fileName).join(', ')}`);
  const [zip] = downloads;
  if (zip!.mime !== 'application/zip') throw new Error(`${zip!.fileName} is ${zip!.mime}, not a zip`);
  return { fileName: zip!.fileName, files: new Map(Object.entries(unzipSync(new Uint8Array(zip!.bytes)))) };
}
