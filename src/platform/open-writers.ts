// Which live processes hold a file open for writing: a revert never replaces a file a running process writes to.
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import type { CommandRunner } from '../doctor/types.js';
import { fdsLinkingTo } from './proc-fds.js';

export interface Writer {
  pid: number;
  command: string;
}

/** O_WRONLY or O_RDWR in the octal `flags:` line of /proc/<pid>/fdinfo/<fd>. */
export function writableFlags(fdinfo: string): boolean {
  const m = /^flags:\s*([0-7]+)/m.exec(fdinfo);
  return m ? (parseInt(m[1]!, 8) & 3) !== 0 : false;
}

async function viaProc(wanted: Set<string>, self: number): Promise<Map<string, Writer>> {
  const out = new Map<string, Writer>();
  for (const { pid, fd, link } of await fdsLinkingTo(wanted, self)) {
    if (out.has(link)) continue;
    const info = await fs.readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
    if (!writableFlags(info)) continue;
    const command = (await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
    out.set(link, { pid, command });
  }
  return out;
}

/** `lsof -F pcan` output: the files open with write access (a = w or u), by path. */
export function parseLsofWriters(text: string): Map<string, Writer> {
  const out = new Map<string, Writer>();
  let pid = 0;
  let command = '?';
  let access = '';
  for (const line of text.split('\n')) {
    const tag = line[0];
    const v = line.slice(1);
    if (tag === 'p') [pid, command] = [Number(v), '?'];
    else if (tag === 'c') command = v;
    else if (tag === 'f') access = '';
    else if (tag === 'a') access = v;
    else if (tag === 'n' && (access === 'w' || access === 'u') && !out.has(v)) out.set(v, { pid, command });
  }
  return out;
}

/**
 * The first writer found of each file (real paths, symlinks resolved), other than this process. Linux reads
 * /proc; elsewhere `lsof` answers if a runner is given. Processes we may not inspect are not seen.
 */
export async function openWriters(files: readonly string[], runner?: CommandRunner, self = process.pid): Promise<Map<string, Writer>> {
  const real = new Map<string, string>();
  for (const f of files) real.set(await fs.realpath(f).catch(() => path.resolve(f)), f);
  const out = new Map<string, Writer>();
  if (real.size === 0) return out;
  let found: Map<string, Writer>;
  if (existsSync('/proc/self/fdinfo')) found = await viaProc(new Set(real.keys()), self);
  else if (runner) {
    found = new Map();
    const all = [...real.keys()];
    for (let i = 0; i < all.length; i += 200) {
      const r = await runner(['lsof', '-w', '-F', 'pcan', '--', ...all.slice(i, i + 200)], { timeoutMs: 10_000 });
      for (const [k, w] of parseLsofWriters(r.stdout)) if (w.pid !== self) found.set(k, w);
    }
  } else return out;
  for (const [r, w] of found) out.set(real.get(r) ?? r, w);
  return out;
}
