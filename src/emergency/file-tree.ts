// A bounded listing of the directories an agent may edit: what was there before the run, to find what it created.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface TreeListing {
  /** Regular files and symbolic links (never followed), absolute paths. */
  files: string[];
  /** Every directory seen, the roots included. */
  dirs: string[];
  /** Directories seen but not listed because the bound was reached: nothing under them counts as created. */
  unlisted: string[];
  truncated: boolean;
}

/**
 * Not the agent's to change, and not ours to put back: dependencies and version control (rebuilt, not edited),
 * and what a running service writes as it goes (logs, databases and their journals, pid files, sockets). Putting
 * a live database back to its pre-run bytes would lose what the service wrote meanwhile.
 */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'logs', 'log', '.cache']);
const SKIPPED_FILE = /(\.log(\.\d+)?|\.db|\.sqlite3?|-journal|-wal|-shm|\.pid|\.sock)$/i;

/** Whether a walk leaves this directory entry out (named allowed paths are never left out by name). */
export function skippedByName(name: string, isDir: boolean): boolean {
  return isDir ? SKIPPED_DIRS.has(name) : SKIPPED_FILE.test(name);
}

/** Whether `p` is one of `excluded` or inside one of them. */
export function isExcluded(p: string, excluded: readonly string[]): boolean {
  return excluded.some((x) => p === x || p.startsWith(`${x}${path.sep}`));
}

/**
 * Lists `roots` breadth first, shallow entries before deep ones, up to `maxEntries` files and directories. A
 * directory is listed whole or not at all, so "not in a listed directory before" reliably means "created since".
 */
export async function listTree(roots: readonly string[], excluded: readonly string[], maxEntries: number): Promise<TreeListing> {
  const files: string[] = [];
  const dirs: string[] = [];
  const unlisted: string[] = [];
  const queue: string[] = [];
  const seen = new Set<string>();
  for (const r of roots) {
    if (isExcluded(r, excluded) || seen.has(r)) continue;
    seen.add(r);
    dirs.push(r);
    queue.push(r);
  }
  let count = dirs.length;
  let truncated = false;
  for (let i = 0; i < queue.length; i++) {
    const dir = queue[i]!;
    if (truncated) {
      unlisted.push(dir);
      continue;
    }
    const names = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    const kept = names.filter((d) => (d.isFile() || d.isSymbolicLink() || d.isDirectory()) && !skippedByName(d.name, d.isDirectory()) && !isExcluded(path.join(dir, d.name), excluded));
    if (count + kept.length > maxEntries) {
      truncated = true;
      unlisted.push(dir);
      continue;
    }
    count += kept.length;
    for (const d of kept.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(dir, d.name);
      if (!d.isDirectory()) files.push(p);
      else if (!seen.has(p)) {
        seen.add(p);
        dirs.push(p);
        queue.push(p);
      }
    }
  }
  return { files, dirs, unlisted, truncated };
}
