// `clawback logs web | head` (or `-f | grep -m1 ERROR`) closes the pipe once the reader has what it wants: a command
// that only prints then ends quietly, as cat and journalctl do, instead of dying on EPIPE with a stack trace.

/** Commands that only read and print: nothing is left half done when they stop at a closed output. */
const PRINT_ONLY = new Set(['logs', 'incidents', 'incident', 'digest', 'status', 'schema', 'validate', 'help']);

/** Whether a closed stdout ends `subcommand` quietly (pure); `run` and the commands that change things keep their handling. */
export function endsQuietlyOnClosedOutput(subcommand: string | undefined): boolean {
  return subcommand !== undefined && PRINT_ONLY.has(subcommand);
}

/** On a print-only command, a reader that went away (EPIPE on stdout) ends the process with code 0. */
export function quietOnClosedOutput(
  subcommand: string | undefined,
  stdout: NodeJS.EventEmitter = process.stdout,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  if (!endsQuietlyOnClosedOutput(subcommand)) {
    // A command that changes things (`restart NAME | head -0`) has done or is doing it: a reader gone is no reason to
    // crash with a stack trace and exit 1 ("failed") after the daemon carried it out; it ends with its own code.
    if (subcommand !== undefined && subcommand !== 'run') {
      stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
      });
    }
    return;
  }
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') exit(0);
    else throw err;
  });
}
