// Why a start failed before any process ran, in one line that leads with the cause: "<argv0>: spawn <argv0> ENOENT"
// named the command twice and put the code last, where the incidents list (cut at 60 characters) never showed it.
import path from 'node:path';
import { ERRNO_WORDS } from '../platform/errno-words.js';
import { readShebang } from '../platform/shebang.js';

/** "spawn ENOENT (no such file or directory): /path/cmd" (with its #! interpreter named when that is what is missing). */
export function spawnErrorText(argv0: string, cwd: string | undefined, err: NodeJS.ErrnoException): string {
  const code = err.code;
  if (typeof code !== 'string') return `${argv0}: ${err.message}`;
  // EAGAIN at a fork is the process limit (elsewhere it means "try again": not in the shared table).
  const words = ERRNO_WORDS[code] ?? (code === 'EAGAIN' ? 'out of processes' : undefined);
  const shebang = code === 'ENOENT' ? missingInterpreter(argv0, cwd) : undefined;
  const why = shebang !== undefined ? `the interpreter its #! line names does not exist: ${shebang}` : words;
  return `spawn ${code}${why !== undefined ? ` (${why})` : ''}: ${argv0}`;
}

/** The #! interpreter of a script that exists (ENOENT then means the interpreter is missing), or undefined. */
function missingInterpreter(argv0: string, cwd: string | undefined): string | undefined {
  if (!argv0.includes('/')) return undefined;
  // Quoted: a script saved with CRLF line ends names "/bin/sh\r", which reads as /bin/sh unquoted. At most 256 bytes are
  // read (the kernel's own limit), never a whole binary.
  const sb = readShebang(path.resolve(cwd ?? '.', argv0));
  return sb ? JSON.stringify(sb.interpreter) : undefined;
}
