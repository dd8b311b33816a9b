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
};

/** "permission denied (EACCES)" for a known code, the code alone for another, the message for an error without one. */
export function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return ERRNO_WORDS[code] ? `${ERRNO_WORDS[code]} (${code})` : code;
  return (err as Error | undefined)?.message ?? String(err);
}
