// A CLI agent can write wherever the user can: what it changed in the service's tree outside the files Clawback
// snapshots (and may put back) is at least found and reported, from a stat-only listing taken before and after the run.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { listTree } from './file-tree.js';

/** Each file's lstat stamp (size, mtime, ctime, inode) and the directories whose listing was cut by the bound. */
export interface TreeStamps {
  files: Record<string, string>;
  unlisted: string[];
}

export interface OutsideChanges {
  changed: string[];
  created: string[];
  removed: string[];
}

/** Lists `roots` (bounded, the usual left-out names and `excluded` skipped) and stamps every file. */
export async function stampTree(roots: readonly string[], excluded: readonly string[], maxEntries: number): Promise<TreeStamps> {
  const tree = await listTree(roots, excluded, maxEntries);
  const files: Record<string, string> = {};
  for (const f of tree.files) {
    const st = await fs.lstat(f).catch(() => undefined);
    // ctime too: an edit that puts the mtime back (`touch -r`) still moves it.
    if (st) files[f] = `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
  }
  return { files, unlisted: tree.unlisted };
}

/** The stamps of single files (missing ones left out): Clawback's own files an agent has no business changing. */
export async function stampFiles(files: readonly string[]): Promise<TreeStamps> {
  const out: Record<string, string> = {};
  for (const f of files) {
    const st = await fs.lstat(f).catch(() => undefined);
    if (st) out[f] = `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
  }
  return { files: out, unlisted: [] };
}

/** What differs between two stampings, leaving out `covered` paths (the snapshot's own) and unlisted directories. */
export function diffStamps(before: TreeStamps, after: TreeStamps, covered: (file: string) => boolean): OutsideChanges {
  const under = (f: string, dirs: readonly string[]): boolean => dirs.some((d) => f.startsWith(`${d}${path.sep}`));
  const out: OutsideChanges = { changed: [], created: [], removed: [] };
  for (const [f, s] of Object.entries(after.files)) {
    if (covered(f)) continue;
    const was = before.files[f];
    if (was === undefined) {
      if (!under(f, before.unlisted)) out.created.push(f);
    } else if (was !== s) out.changed.push(f);
  }
  for (const f of Object.keys(before.files)) if (!covered(f) && after.files[f] === undefined && !under(f, after.unlisted)) out.removed.push(f);
  return out;
}
