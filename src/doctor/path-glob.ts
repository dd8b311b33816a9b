// Expands the few glob forms config paths use (`*` and `?` inside segments): lock files and state files.
import { promises as fs } from 'node:fs';
import path from 'node:path';

function segmentRegex(seg: string): RegExp {
  const body = seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

const isPattern = (seg: string): boolean => /[*?]/.test(seg);

/** Existing files (not directories) matching an absolute path whose segments may hold `*` / `?`; sorted. Bounded to 10,000 matches. */
export async function expandPathGlob(pattern: string, limit = 10_000): Promise<string[]> {
  const abs = path.resolve(pattern);
  const segs = abs.split(path.sep).filter((s) => s !== '');
  let current: string[] = [path.parse(abs).root];
  for (let i = 0; i < segs.length; i += 1) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!isPattern(seg)) {
        next.push(path.join(dir, seg));
        continue;
      }
      let names: string[];
      try {
        names = await fs.readdir(dir);
      } catch {
        continue;
      }
      const re = segmentRegex(seg);
      for (const n of names.sort()) if (re.test(n) && !(n.startsWith('.') && !seg.startsWith('.'))) next.push(path.join(dir, n));
      if (next.length > limit) break;
    }
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
