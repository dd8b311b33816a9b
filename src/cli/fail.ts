// How a CLI command that threw ends the process: the exit codes the README documents, one place for every entry path.
import { DaemonUnreachable, TokenRefused } from './client.js';
import { ConfigError } from '../config/errors.js';

/** Exit codes: 1 error, 2 invalid config, 3 daemon not reachable (README, "Commands"). */
export function fail(err: unknown): never {
  if (err instanceof DaemonUnreachable) {
    process.stderr.write(`clawback: ${err.message}\n`);
    process.exit(3);
  }
  if (err instanceof TokenRefused) {
    process.stderr.write(`clawback: ${err.message}\n`);
    process.exit(1);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`clawback: ${err.message}\n`);
    process.exit(2);
  }
  const sys = systemErrorText(err);
  if (sys !== undefined) {
    process.stderr.write(`clawback: ${sys}\n`);
    process.exit(1);
  }
  process.stderr.write(`clawback: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}

const WHY: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'something else already exists there (a file where a directory is expected?)',
  EISDIR: 'it is a directory, not a file',
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/**
 * A refusal of the file system or the OS (a --state-dir that is a file, a directory without permission, a full disk)
 * is the user's setup, not a bug: one line naming the path and the cause, no stack trace.
 */
export function systemErrorText(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code) || typeof e.syscall !== 'string') return undefined;
  const where = e.path !== undefined ? ` ${e.path}` : '';
  return `cannot ${e.syscall}${where}: ${WHY[e.code] ?? e.message} (${e.code})`;
}
