// With --json a failed command still answers on stdout: a script piping into jq got nothing parseable (the human line
// stays on stderr), so every failure path writes one JSON object there too, with a stable `kind` and the exit code.

/** What went wrong, in words a script can switch on (the exit code says the same, coarser). */
export type ErrorKind =
  | 'usage'
  | 'invalid-config'
  | 'daemon-unreachable'
  | 'token-refused'
  | 'not-found'
  | 'refused'
  | 'system'
  | 'internal'
  | 'error';

/** Whether the command line asks for JSON: a `--json` word before a `--` (pure). */
export function wantsJson(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--json') return true;
  }
  return false;
}

/** The one line a failure prints on stdout under --json: {"ok":false,"error":{"kind","message","exitCode"}}. */
export function jsonErrorLine(kind: ErrorKind, message: string, exitCode: number): string {
  return JSON.stringify({ ok: false, error: { kind, message, exitCode } }) + '\n';
}

/**
 * Ends a failed command: `clawback: message` on stderr, and under --json (read from `args`) the JSON line on stdout.
 * Both writes are synchronous to a pipe or a file, so nothing is lost to the exit.
 */
export function exitWithError(kind: ErrorKind, message: string, exitCode: number, args: readonly string[] = process.argv.slice(2)): never {
  process.stderr.write(`clawback: ${message}\n`);
  if (wantsJson(args)) {
    try {
      process.stdout.write(jsonErrorLine(kind, message, exitCode));
    } catch {
      // A closed stdout: the exit code and the stderr line still say it.
    }
  }
  process.exit(exitCode);
}

/**
 * Ends on a usage error commander found (an unknown option or command, a missing argument): commander has written its
 * own words (with its did-you-mean) on stderr already, so only the --json line is added.
 */
export function exitAfterUsageError(message: string, exitCode: number, args: readonly string[] = process.argv.slice(2)): never {
  if (wantsJson(args)) {
    try {
      process.stdout.write(jsonErrorLine('usage', message.replace(/^error: /, ''), exitCode));
    } catch {
      // A closed stdout: commander's stderr line and the exit code still say it.
    }
  }
  process.exit(exitCode);
}
