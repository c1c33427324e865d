import { SafeTuneError } from '../engine/errors';
import { backendFailure } from '../engine/device/gpu-faults';
import { releaseCliBackend } from './backend';

/** Runs a Node entry point (bench, experiment, demo build): errors become one line on stderr and exit code 1. */
export async function runScript(main: (argv: string[]) => Promise<void>): Promise<void> {
  try {
    await main(process.argv.slice(2));
  } catch (thrown) {
    const e = backendFailure(thrown) ?? thrown; // tfjs-wasm's bare "Aborted()" as the fault it is
    process.stderr.write(`error: ${e instanceof SafeTuneError ? e.describe() : e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  } finally {
    releaseCliBackend();
  }
}
