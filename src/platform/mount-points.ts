// Whether a path is a mount point (a file bind-mounted into place, as container volumes are): rename(2) cannot replace
// it (EBUSY), so a repair that writes by rename must know before it starts, not fail half-way through.
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Mount points from /proc/self/mountinfo (field 5, octal escapes such as \040 decoded); empty where there is none. */
export async function mountPoints(mountinfo = '/proc/self/mountinfo'): Promise<Set<string>> {
  const text = await fs.readFile(mountinfo, 'utf8').catch(() => '');
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field) out.add(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

/** Whether realPath (symlinks already resolved) is itself a mount point. */
export async function isMountPoint(realPath: string, mountinfo?: string): Promise<boolean> {
  return (await mountPoints(mountinfo)).has(path.resolve(realPath));
}
