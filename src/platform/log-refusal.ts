// One rule for every reader of a service's log (`clawback logs`, `logs -f`, the crash summary's last words): only a
// missing log is "no output yet"; a log that is there but may not be opened (mode 000 as another uid, a link loop) is
// named with its cause. `logs -f` waited in silence and the crash summary quoted no last words, as for a missing log.
import { errnoText } from './errno-words.js';
import { NotRegularFileError } from './read-regular.js';

/**
 * "cannot read FILE: permission denied (EACCES): it is there, but READER may not open it (...)": the file, the cause and,
 * for a refused permission, the uid that asked. `reader`: 'this command' (the CLI) or 'the daemon'.
 */
export function unreadableLogText(file: string, err: unknown, reader: 'this command' | 'the daemon', uid = process.getuid?.()): string {
  // Something other than the service's output in the log's place (a directory, a FIFO): said as what it is.
  if (err instanceof NotRegularFileError) return `cannot read ${err.file}: it is ${err.kind}, not a regular file (something other than the service's output is in its log's place)`;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code;
  const denied = code === 'EACCES' || code === 'EPERM';
  const hint = !denied ? '' : reader === 'this command' ? ` (running as uid ${uid ?? '?'}: run it as the user the daemon runs as, or fix the file's permissions)` : ` (the daemon runs as uid ${uid ?? '?'}: fix the file's permissions)`;
  return `cannot read ${e?.path ?? file}: ${errnoText(err)}: it is there, but ${reader} may not open it${hint}`;
}
