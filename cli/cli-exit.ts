/**
 * A command that ends on purpose without finishing — Ctrl-C, the safety guard — with the exit code that says so. The
 * message is printed on stderr; a checkpoint has been saved and `--resume` continues.
 */
export class CliExit extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliExit';
  }
}

/** The shell's code for a process ended by SIGINT (128 + 2). */
export const INTERRUPTED_EXIT_CODE = 130;

/** The shell's code for a process whose reader went away (128 + SIGPIPE's 13): what `yes | head` shows under pipefail. */
export const BROKEN_PIPE_EXIT_CODE = 141;

/**
 * Ends the process quietly with 141 when stdout's reader closes it — `cli logits … | head -c 60`. Node ignores SIGPIPE,
 * so the next write fails with EPIPE instead, and that stream error, unhandled, reached tfjs-wasm's uncaughtException
 * handler, which printed its whole minified source on stderr. Any other failure to write stdout is one line and exit 1.
 */
export function endQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' && stdoutClosedHandler !== undefined) {
      // A command with work to save (train) finishes it first; what it would still print goes nowhere.
      process.stdout.write = (() => true) as typeof process.stdout.write;
      const handler = stdoutClosedHandler;
      stdoutClosedHandler = undefined;
      handler();
      return;
    }
    if (e.code === 'EPIPE') process.exit(BROKEN_PIPE_EXIT_CODE);
    process.stderr.write(`error: cannot write to stdout: ${e.message}\n`);
    process.exit(1);
  });
}

let stdoutClosedHandler: (() => void) | undefined;

/**
 * While `handler` is set, a closed stdout calls it instead of ending the process at once: `train … | head` must not
 * lose the steps since the last checkpoint any more than a Ctrl-C does. Returns the function that unsets it.
 */
export function onStdoutClosed(handler: () => void): () => void {
  stdoutClosedHandler = handler;
  return () => {
    if (stdoutClosedHandler === handler) stdoutClosedHandler = undefined;
  };
}
