// Node's OS errors ("ENOSPC: no space left on device, write") name no file: this says what was being done where,
// keeping the errno code so callers can still tell the cause.

/** `what: <the error's message>`, with the original as its cause and its `code` kept. */
export function errorWithContext(what: string, err: unknown): NodeJS.ErrnoException {
  const e = new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }) as NodeJS.ErrnoException;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined) e.code = code;
  return e;
}

/**
 * An OS error from a call on `file` that names no file (Node's write and link on a handle or a draft: "ENOSPC: no space
 * left on device, write") as Node words one that does ("…, write '<file>'"), its code, syscall and errno kept and `path`
 * set, so a message built from it (systemErrorText) names the file too. An error that names a path already, or no OS
 * error, is returned as is.
 */
export function errorNamingFile(err: unknown, file: string): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!(err instanceof Error) || typeof e?.code !== 'string' || e.path !== undefined) return err;
  const named = new Error(`${err.message} '${file}'`, { cause: err }) as NodeJS.ErrnoException;
  named.code = e.code;
  if (e.errno !== undefined) named.errno = e.errno;
  if (e.syscall !== undefined) named.syscall = e.syscall;
  named.path = file;
  return named;
}
