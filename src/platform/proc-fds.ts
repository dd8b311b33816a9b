// Who holds a file or a socket: the descriptors of every process we may inspect whose /proc/<pid>/fd link is wanted.
import { promises as fs } from 'node:fs';

export interface FdHit {
  pid: number;
  fd: string;
  /** The link text: a path, or `socket:[inode]`. */
  link: string;
}

/** Every descriptor whose link is in `wanted`, processes in /proc order (`skip`: a pid left out, e.g. our own). */
export async function fdsLinkingTo(wanted: ReadonlySet<string>, skip?: number): Promise<FdHit[]> {
  const out: FdHit[] = [];
  if (wanted.size === 0) return out;
  for (const entry of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === skip) continue;
    const fds = await fs.readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await fs.readlink(`/proc/${entry}/fd/${fd}`).catch(() => '');
      if (wanted.has(link)) out.push({ pid: Number(entry), fd, link });
    }
  }
  return out;
}
