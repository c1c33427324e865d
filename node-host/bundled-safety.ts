import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SafeTuneError } from '../engine/errors';
import { parseSafetyPairs } from '../engine/safety/anchors';
import type { BundledSafetyPairs } from '../engine/run/run-setup';
import type { SafetyPair } from '../engine/safety/spf-options';

/** public/datasets/: the files the app ships (the default SPF anchor, the safety probe set). */
const PUBLIC_DATASETS = fileURLToPath(new URL('../public/datasets/', import.meta.url));

/** A JSONL file of {"request", "refusal"} pairs; errors name the file (`what`: "anchor", "probe"). */
export async function readSafetyPairs(path: string, what: string): Promise<SafetyPair[]> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch {
    throw new SafeTuneError('missing-file', `${what} file ${path} cannot be read`, 'pass a JSONL file of {"request", "refusal"} pairs');
  }
  return parseSafetyPairs(bytes, basename(path));
}

/** The bundled safety sets read from the repository's public/datasets/, as the app reads them over HTTP. */
export const BUNDLED_SAFETY_ON_DISK: BundledSafetyPairs = {
  anchors: () => readSafetyPairs(`${PUBLIC_DATASETS}safety-anchor.jsonl`, 'bundled anchor'),
  probe: () => readSafetyPairs(`${PUBLIC_DATASETS}safety-probe.jsonl`, 'bundled probe'),
};
