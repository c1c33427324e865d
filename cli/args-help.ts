/**
 * Whether a command's arguments ask for its usage: `--help` or `-h` among its options (not after a `--`, where it is
 * an argument). A command's option parser rejects `--help` as unknown, and Node's message then suggests `-- "--help"`,
 * which the command rejects as a stray argument: help is answered before the options are parsed.
 */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}
