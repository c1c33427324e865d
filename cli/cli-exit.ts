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
    if (e.code === 'EPIPE') process.exit(BROKEN_PIPE_EXIT_CODE);
    process.stderr.write(`error: cannot write to stdout: ${e.message}\n`);
    process.exit(1);
  });
}
