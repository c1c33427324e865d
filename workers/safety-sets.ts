import { SafeTuneError } from '../engine/errors';
import { parseSafetyPairs } from '../engine/safety/anchors';
import { parseHarmfulPrompts } from '../engine/safety/refusal-eval';
import type { AssetReader } from './assets';
import type { SafetyPair } from './protocol';

/** The bundled safety files under public/datasets/ (written by the demo build). */
export const BUNDLED_SAFETY_FILES = {
  anchor: 'safety-anchor.jsonl', // the default SPF anchors: (request, refusal) pairs, four in the demo build
  wideAnchor: 'safety-anchor-32.jsonl', // 32 anchors from every harm category: the form's "more refusals" anchor set
  probe: 'safety-probe.jsonl', // held-out pairs whose refusal loss measures drift
  harmful: 'harmful-eval.jsonl', // held-out harmful requests for the refusal rate
} as const;

/** The bundled safety sets, each read and parsed once, on first use. */
export class BundledSafetySets {
  private anchorsOnce: Promise<SafetyPair[]> | undefined;
  private wideAnchorsOnce: Promise<SafetyPair[]> | undefined;
  private probeOnce: Promise<SafetyPair[]> | undefined;
  private harmfulOnce: Promise<string[]> | undefined;

  constructor(private readonly read: AssetReader) {}

  anchors(): Promise<SafetyPair[]> {
    return (this.anchorsOnce ??= this.pairs(BUNDLED_SAFETY_FILES.anchor, () => (this.anchorsOnce = undefined)));
  }

  wideAnchors(): Promise<SafetyPair[]> {
    return (this.wideAnchorsOnce ??= this.pairs(BUNDLED_SAFETY_FILES.wideAnchor, () => (this.wideAnchorsOnce = undefined)));
  }

  probe(): Promise<SafetyPair[]> {
    return (this.probeOnce ??= this.pairs(BUNDLED_SAFETY_FILES.probe, () => (this.probeOnce = undefined)));
  }

  harmfulPrompts(): Promise<string[]> {
    const file = BUNDLED_SAFETY_FILES.harmful;
    return (this.harmfulOnce ??= this.parse(file, parseHarmfulPrompts, () => (this.harmfulOnce = undefined), 'Pass your own harmful requests to the refusal check.'));
  }

  private pairs(file: string, forget: () => void): Promise<SafetyPair[]> {
    return this.parse(file, parseSafetyPairs, forget, 'Enter your own pairs in the SPF settings (anchors) or the probe set.');
  }

  /** A failed read is forgotten, so it is retried next time (the file may be deployed later). */
  private async parse<T>(file: string, parse: (bytes: Uint8Array, name: string) => Promise<T>, forget: () => void, instead: string): Promise<T> {
    try {
      return await parse(await this.read(`datasets/${file}`), file);
    } catch (e) {
      forget();
      if (!(e instanceof SafeTuneError) || e.code === 'bad-dataset') throw e; // a malformed file: its own error names the line
      throw new SafeTuneError(e.code, `the bundled ${file} could not be read (${e.message})`, `${instead} Or check that public/datasets/${file} is deployed with the app.`);
    }
  }
}
