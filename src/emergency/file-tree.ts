// A bounded listing of the directories an agent may edit: what was there before the run, to find what it created.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CONFIG_REPAIR_LOCK_MARK } from '../doctor/repair-lock.js';
import { VALIDATOR_CANDIDATE_MARK } from '../doctor/config-validity.js';
import { relativeWithin } from '../platform/path-inside.js';

export interface TreeListing {
  /** Regular files and symbolic links (never followed), absolute paths. */
  files: string[];
  /** Every directory seen, the roots included. */
  dirs: string[];
  /** Directories seen but not listed because the bound was reached: nothing under them counts as created. */
  unlisted: string[];
  /** Directories left out by name that hold code the service runs (see CODE_DIRS): watched for changes instead. */
  leftOutCode: string[];
  truncated: boolean;
}

/** Left out of snapshots, but code: an edit there changes what the service runs, so a run's changes are looked for. */
const CODE_DIRS = new Set(['node_modules', '.git']);

/**
 * Not the agent's to change, and not ours to put back: dependencies and version control (rebuilt, not edited),
 * and what a running service writes as it goes (logs, databases and their journals, pid files, sockets). Putting
 * a live database back to its pre-run bytes would lose what the service wrote meanwhile.
 */
export const SKIPPED_DIR_NAMES: readonly string[] = ['node_modules', '.git', '.hg', '.svn', 'logs', 'log', '.cache'];
/** File name endings left out; a rotated log (`x.log.1`) too. */
export const SKIPPED_FILE_ENDINGS: readonly string[] = ['.log', '.db', '.sqlite', '.sqlite3', '-journal', '-wal', '-shm', '.pid', '.sock'];
const SKIPPED_DIRS = new Set(SKIPPED_DIR_NAMES);
const SKIPPED_FILE = new RegExp(`(${SKIPPED_FILE_ENDINGS.map((e) => e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')}|\\.log\\.\\d+)$`, 'i');

/**
 * Clawback's own short-lived files beside the config: a doctor's repair lock (configRepairLockPath: the lock, its
 * drafts, its takeover) and a validity check's candidate copy. They come and go while a run goes on, so a copy of one
 * put back at the verdict revived a lock its owner had released (every later `clawback doctor --fix` then waited on
 * it) or a candidate the check had removed, and one "created" during the run was removed under its owner.
 */
const OWN_MARKS = [CONFIG_REPAIR_LOCK_MARK, VALIDATOR_CANDIDATE_MARK];
function isClawbackOwnFile(name: string): boolean {
  return OWN_MARKS.some((m) => name.includes(m));
}

/**
 * The same left-out places as gitignore-style patterns below a directory (for an agent's deny rules), so what the
 * agent may edit is exactly what a snapshot covers.
 */
export function skippedPatterns(): string[] {
  return [...SKIPPED_DIR_NAMES.map((d) => `**/${d}/**`), ...SKIPPED_FILE_ENDINGS.map((e) => `**/*${e}`), '**/*.log.*', ...OWN_MARKS.map((m) => `**/*${m}*`)];
}

/** Whether a walk leaves this directory entry out (named allowed paths are never left out by name). */
export function skippedByName(name: string, isDir: boolean): boolean {
  return isDir ? SKIPPED_DIRS.has(name) : SKIPPED_FILE.test(name) || isClawbackOwnFile(name);
}

/** Whether a walk of `root` would leave `file` out by a name on its way (a skipped directory, or its own name). */
export function skippedUnder(file: string, root: string): boolean {
  const rel = relativeWithin(root, file);
  if (rel === undefined || rel === '') return false;
  const parts = rel.split(path.sep);
  const name = parts[parts.length - 1]!;
  return parts.slice(0, -1).some((d) => SKIPPED_DIRS.has(d)) || SKIPPED_FILE.test(name) || isClawbackOwnFile(name);
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
  const leftOutCode: string[] = [];
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
    for (const d of names) if (d.isDirectory() && CODE_DIRS.has(d.name) && !isExcluded(path.join(dir, d.name), excluded)) leftOutCode.push(path.join(dir, d.name));
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
  return { files, dirs, unlisted, leftOutCode, truncated };
}

/**
 * Files under the left-out code directories modified at or after `since` (epoch ms): in node_modules everything but
 * caches, in .git the hooks and the config (what git runs; its index and objects change with any git command).
 * Bounded: at most `maxEntries` entries visited; `truncated` says the look was cut short.
 */
export async function codeChangedSince(dirs: readonly string[], since: number, maxEntries: number): Promise<{ files: string[]; truncated: boolean }> {
  const files: string[] = [];
  let visited = 0;
  const queue: string[] = [];
  for (const d of dirs) {
    if (path.basename(d) === '.git') queue.push(path.join(d, 'hooks'), path.join(d, 'config'));
    else queue.push(d);
  }
  for (let i = 0; i < queue.length; i++) {
    if (++visited > maxEntries || files.length >= 50) return { files, truncated: true };
    const p = queue[i]!;
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory()) {
      if (path.basename(p) === '.cache') continue;
      for (const n of await fs.readdir(p).catch(() => [] as string[])) queue.push(path.join(p, n));
    } else if (st.mtimeMs >= since) files.push(p);
  }
  return { files, truncated: false };
}
