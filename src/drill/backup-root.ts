// Why this exists: the drill backups dir beside the state dir belongs to the state dir's owner, whoever ran the first
// drill (root, then the service user, or the reverse), so any of them, and the daemon, can put a file back.
import { chmodSync, chownSync, readFileSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownerToGive, type FileOwner } from '../platform/atomic-write.js';
import { BACKUP_PREFIX, MANIFEST } from './drill-leftovers.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

/** The state dir's owner (undefined when it cannot be read): the backups beside it are given to them. */
export function stateDirOwner(stateDir: string): FileOwner | undefined {
  try {
    const st = statSync(stateDir);
    return { uid: st.uid, gid: st.gid };
  } catch {
    return undefined;
  }
}

/**
 * Creates the backups root (0700) and, when this process may (root), hands it to `owner`: a root-owned root left by an
 * earlier drill run as root is handed over too. Never for the shared temp dir.
 */
export function prepareBackupRoot(root: string, owner: FileOwner | undefined): void {
  mkdirRecursiveSync(root, 0o700);
  if (path.resolve(root) === path.resolve(os.tmpdir())) return;
  giveTo(root, owner);
}

/**
 * Removes the backups root once it holds nothing (the last backup put back): an empty `<stateDir>.drill-backups/` left
 * beside every drilled state dir was clutter. rmdir refuses a non-empty dir, so a backup kept for a person stays. Never
 * the shared temp dir.
 */
export function removeBackupRootIfEmpty(root: string): void {
  // Only a root of ours: a temp dir (this process's or the one a drill with another TMPDIR used) is never removed.
  if (!path.basename(root).endsWith('.drill-backups') || path.resolve(root) === path.resolve(os.tmpdir())) return;
  try {
    rmdirSync(root);
  } catch {
    // not empty (a backup someone may need), already gone, or not ours: left as it is
  }
}

/** chown to `owner` when this process may give it and the path is someone else's; best effort otherwise. */
export function giveTo(p: string, owner: FileOwner | undefined): void {
  const to = ownerToGive(owner);
  if (!to) return;
  const st = statSync(p);
  if (st.uid === to.uid && st.gid === to.gid) return;
  chownSync(p, to.uid, to.gid);
  chmodSync(p, st.mode & 0o7777);
}

/**
 * Backups this user cannot read (another user's drill, killed): their bytes cannot be put back from here, which is
 * said rather than passed over in silence. The shared temp dir is skipped (other state dirs' drills keep theirs there).
 */
export function unreadableBackupLines(roots: readonly string[]): string[] {
  const out: string[] = [];
  for (const root of roots) {
    if (path.resolve(root) === path.resolve(os.tmpdir())) continue;
    let names: string[];
    try {
      names = readdirSync(root).filter((n) => n.startsWith(BACKUP_PREFIX));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EACCES') out.push(cannotRead(root, err as Error));
      continue;
    }
    for (const name of names) {
      const dir = path.join(root, name);
      try {
        readFileSync(path.join(dir, MANIFEST));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EACCES') out.push(cannotRead(dir, err as Error));
      }
    }
  }
  return out;
}

function cannotRead(p: string, err: Error): string {
  let whose = '';
  try {
    const st = statSync(p);
    whose = ` (owned by uid ${st.uid}, mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`;
  } catch {
    // unknown owner
  }
  return `cannot read the drill backup ${p}${whose} as uid ${process.getuid?.() ?? '?'}: ${err.message}; a file a killed drill changed may not be put back from it: run \`clawback drill\` once as root or as its owner`;
}
