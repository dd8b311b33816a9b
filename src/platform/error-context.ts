// Node's OS errors ("ENOSPC: no space left on device, write") name no file: this says what was being done where,
// keeping the errno code so callers can still tell the cause.

/** `what: <the error's message>`, with the original as its cause and its `code` kept. */
export function errorWithContext(what: string, err: unknown): NodeJS.ErrnoException {
  const e = new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }) as NodeJS.ErrnoException;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined) e.code = code;
  return e;
}
