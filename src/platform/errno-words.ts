// One table of what an OS error code means in words, for every message that names one (CLI failures, config reads).

export const ERRNO_WORDS: Readonly<Record<string, string>> = {
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
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  ENOMEM: 'out of memory',
};

/** "permission denied (EACCES)" for a known code, the code alone for another, the message for an error without one. */
export function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return ERRNO_WORDS[code] ? `${ERRNO_WORDS[code]} (${code})` : code;
  return (err as Error | undefined)?.message ?? String(err);
}

/**
 * A refusal of the file system or the OS (a --state-dir that is a file, a directory without permission, a full disk)
 * is the user's setup, not a bug: one line naming the path and the cause, no stack trace. Undefined for other errors.
 */
export function systemErrorText(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code) || typeof e.syscall !== 'string') return undefined;
  const where = e.path !== undefined ? ` ${e.path}` : '';
  return `cannot ${e.syscall}${where}: ${ERRNO_WORDS[e.code] ?? e.message} (${e.code})`;
}

/** The path, or a directory on it, is not there (ENOENT, ENOTDIR): nothing written yet. Any other refusal is its own story. */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
