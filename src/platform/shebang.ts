// A script's `#!` line, read as the kernel reads it: a script whose interpreter is missing fails every start with
// ENOENT although the script itself exists, so the preflight and the spawn error both need to name that interpreter.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Linux reads at most this much of a script for its `#!` line (BINPRM_BUF_SIZE). */
const HEAD_BYTES = 256;

export interface Shebang {
  /** The interpreter path exactly as written (a trailing CR kept: the kernel keeps it too). */
  interpreter: string;
  /** The one optional argument after it (the kernel passes the rest of the line as one), '' when none. */
  arg: string;
  /** The whole first line, without its line end, for reports. */
  line: string;
  /** The line ends with a carriage return (a script saved with Windows line ends). */
  crlf: boolean;
}

/** The `#!` line of a regular file, or undefined (no such line, not a regular file, unreadable). Never blocks on a FIFO. */
export function readShebang(file: string): Shebang | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    return parseShebang(buf.subarray(0, n).toString('latin1'));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Pure: the `#!` line of a script's first bytes, or undefined. */
export function parseShebang(head: string): Shebang | undefined {
  if (!head.startsWith('#!')) return undefined;
  const nl = head.indexOf('\n');
  const raw = nl === -1 ? head : head.slice(0, nl);
  const m = /^#![ \t]*([^ \t]+)(?:[ \t]+(.*?))?[ \t]*$/.exec(raw);
  if (!m) return undefined;
  return { interpreter: m[1]!, arg: m[2] ?? '', line: raw.replace(/\r$/, ''), crlf: raw.endsWith('\r') };
}

/** Pure: the program `#!/usr/bin/env [-S] NAME` looks up on PATH (NAME), or undefined for any other interpreter. */
export function envProgram(sb: Shebang): string | undefined {
  if (!/(^|\/)env$/.test(sb.interpreter)) return undefined;
  const words = sb.arg.replace(/\r$/, '').split(/[ \t]+/).filter((w) => w !== '');
  // env's options (-S, -i, -u NAME) and VAR=value assignments come before the program.
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-u' || w === '--unset' || w === '-C' || w === '--chdir') {
      i++;
      continue;
    }
    if (w.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) continue;
    return w;
  }
  return undefined;
}
