// Expands the few glob forms config paths use (`*` and `?` inside segments): lock files and state files.
import { promises as fs } from 'node:fs';
import path from 'node:path';

function segmentRegex(seg: string): RegExp {
  const body = seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

const isPattern = (seg: string): boolean => /[*?]/.test(seg);

/**
 * Existing regular files (not directories, not links) matching an absolute path whose segments may hold `*` / `?`;
 * sorted. Bounded to 10,000 matches. No symbolic link is followed past the first `*` / `?` segment: a directory link
 * there (`tmp/openclaw-*` or `agents/*` holding a link to another install or disk) would have the doctor remove, or an
 * update roll back, files outside the directory the pattern names. The exact part before it may go through links (a
 * state directory that is itself a link), as may an exact path the user named.
 */
export async function expandPathGlob(pattern: string, limit = 10_000): Promise<string[]> {
  const abs = path.resolve(pattern);
  const segs = abs.split(path.sep).filter((s) => s !== '');
  let current: string[] = [path.parse(abs).root];
  let wild = false;
  for (let i = 0; i < segs.length; i += 1) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!isPattern(seg)) {
        const p = path.join(dir, seg);
        // Past a wildcard, a directory on the way must be one, not a link to one (the file itself is checked below).
        if (wild && !last && !(await fs.lstat(p).catch(() => undefined))?.isDirectory()) continue;
        next.push(p);
        continue;
      }
      let entries: Array<{ name: string; isDirectory(): boolean }>;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      const re = segmentRegex(seg);
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (!re.test(e.name) || (e.name.startsWith('.') && !seg.startsWith('.'))) continue;
        // A directory entry's type is its own (lstat): a link to a directory is no directory here.
        if (!last && !e.isDirectory()) continue;
        next.push(path.join(dir, e.name));
      }
      if (next.length > limit) break;
    }
    if (isPattern(seg)) wild = true;
    current = next.slice(0, limit);
    if (last) break;
  }
  const files: string[] = [];
  for (const f of current) {
    const st = await fs.lstat(f).catch(() => undefined);
    if (st?.isFile()) files.push(f);
  }
  return files.sort();
}
