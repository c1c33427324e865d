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
