// How a CLI command that threw ends the process: the exit codes the README documents, one place for every entry path.
import { ClientOutOfFiles, DaemonUnreachable, StateDirNotDirectory, TokenRefused } from './client.js';
import { ConfigError } from '../config/errors.js';
import { exitWithError, type ErrorKind } from './json-error.js';
import { systemErrorText } from '../platform/errno-words.js';

/**
 * A wrong word on the command line ("maybe" for on|off, "abc" for a count): one line and exit 1. Exit 2 is kept for
 * an invalid config file (README, "Commands"), so a script cannot mistake a typo for a broken config.
 */
export function usageError(message: string): never {
  exitWithError('usage', message, 1);
}

/**
 * sysexits.h codes for a run that reached no outcome where 1 and 2 have another meaning: `doctor` and `drill` (1 and 2
 * are outcomes there) and the daemon (`run`), whose service manager must tell a config to fix (78, not restarted:
 * RestartPreventExitStatus=78) from a crash (70, restarted).
 */
export const SYSEXITS = { USAGE: 64, SOFTWARE: 70, CONFIG: 78 } as const;

/** The exit code for a refused API request: 404 unknown service (4); 400 is an invalid config only where `configReload`. */
export function exitCodeOfAnswer(status: number, configReload = false): number {
  if (status === 404) return 4;
  return status === 400 && configReload ? 2 : 1;
}

/** The one line (or stack, for a bug) a CLI command that threw prints on stderr, without the `clawback: ` prefix. */
export function failureText(err: unknown): string {
  if (err instanceof DaemonUnreachable || err instanceof TokenRefused || err instanceof ConfigError || err instanceof StateDirNotDirectory || err instanceof ClientOutOfFiles) return err.message;
  return systemErrorText(err) ?? (err as Error | undefined)?.stack ?? String(err);
}

/** The `kind` of a thrown error in the --json error answer (json-error.ts). */
export function errorKind(err: unknown): ErrorKind {
  if (err instanceof DaemonUnreachable) return 'daemon-unreachable';
  if (err instanceof TokenRefused) return 'token-refused';
  if (err instanceof ConfigError) return 'invalid-config';
  if (err instanceof StateDirNotDirectory) return 'usage';
  if (err instanceof ClientOutOfFiles) return 'system';
  return systemErrorText(err) !== undefined ? 'system' : 'internal';
}

/** Exit codes: 1 error, 2 invalid config, 3 daemon not reachable (README, "Commands"); under --json also on stdout. */
export function fail(err: unknown): never {
  exitWithError(errorKind(err), failureText(err), err instanceof DaemonUnreachable ? 3 : err instanceof ConfigError ? 2 : 1);
}

