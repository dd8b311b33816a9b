// Copies of the service's config and state files taken while it is stopped (so they are consistent), restored on rollback.
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { expandPathGlob } from '../doctor/path-glob.js';
import { ownerToGive, writeFileAtomic } from '../platform/atomic-write.js';
import { putBackFile } from '../platform/hard-links.js';
import { copyFileAtomic, hashFile } from '../platform/stream-copy.js';
import { realPathAsFarAsExists } from '../platform/path-inside.js';
import { specialKind } from '../platform/read-regular.js';
import { existingAncestor } from '../platform/disk-room.js';
import { formatBytes } from '../probes/byte-size.js';
import { stateDirRefusal } from './update-plan.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

export interface BackupEntry {
  /** Absolute path of the original. */
  file: string;
  /** Name inside the backup directory. */
  stored: string;
  sha256: string;
  bytes: number;
  mode: number;
  /** Owner of the file (absent in backups taken before it was kept): the restored file keeps it. */
  uid?: number;
  gid?: number;
  /** What the path pointed at when it was the user's symbolic link, null when it was none (absent in older backups). */
  link?: string | null;
  /**
   * The real directory holding the file when it was backed up (absent in older backups): a restore writes nothing
   * where the path now leads elsewhere (a directory replaced by a symbolic link since).
   */
  realDir?: string;
}

export interface BackupManifest {
  takenAt: number;
  /** The globs the state files came from: on restore, files matching them that the backup lacks are moved aside. */
  patterns: string[];
  entries: BackupEntry[];
  /** Each pattern's real directory before its first wildcard at backup time (absent in older backups): see realDir. */
  roots?: Record<string, string>;
}

/** Default of update.backupLimit: the most a backup copies in all (its files' sizes added up). */
export const DEFAULT_BACKUP_LIMIT_BYTES = 4 * 2 ** 30;

export interface BackupOptions {
  /** update.backupLimit: a backup whose files add up to more fails before anything is copied. */
  limitBytes?: number;
}

/** undefined for a file that does not exist (nor its directory); any other error is the caller's. */
const gone = (err: unknown): undefined => {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  throw err;
};

/**
 * Refuses a FIFO, socket or device among the files to back up, by its type (named as every other reader names it:
 * specialKind): opening a FIFO blocks until a writer comes (the update hung with its service stopped, and the blocked
 * open held the daemon's exit), and a device's "bytes" are no state to put back.
 */
function refuseSpecial(file: string, st: Stats): void {
  if (!st.isFile() && !st.isDirectory()) throw new Error(`${file} is ${specialKind(st)}, not a regular file: a backup copies only regular files; remove it from update.stateFiles (or configFile.path)`);
}

/** The exact part of a pattern: the directory before its first wildcard (undefined when it has none). */
function globPrefix(pattern: string): string | undefined {
  const segs = path.resolve(pattern).split(path.sep);
  const first = segs.findIndex((s) => /[*?]/.test(s));
  return first < 0 ? undefined : segs.slice(0, first).join(path.sep) || path.sep;
}

/**
 * The path itself when `pattern` is an exact path (no `*` / `?`) that is a symbolic link to a file. A glob never follows
 * a link out of the state directory (expandPathGlob), but a path the user named was asked for by name: it is copied as the config's is
 * (its target's bytes, the link kept on restore), not left out without a word.
 */
async function linkNamedExactly(pattern: string): Promise<string | undefined> {
  if (/[*?]/.test(pattern)) return undefined;
  const abs = path.resolve(pattern);
  const lst = await fs.lstat(abs).catch(() => undefined);
  if (!lst?.isSymbolicLink()) return undefined;
  return (await fs.stat(abs).catch(() => undefined))?.isFile() ? abs : undefined;
}

/** The files a backup would copy (sizes as they are now) and the real directories its globs start from. */
async function backupSet(files: string[], patterns: string[]): Promise<{ sized: Array<{ file: string; size: number; disk: number }>; roots: Record<string, string> }> {
  const all = new Set<string>(files);
  const roots: Record<string, string> = {};
  for (const p of patterns) {
    for (const f of await expandPathGlob(p)) all.add(f);
    const named = await linkNamedExactly(p);
    if (named) all.add(named);
    // A path named exactly is asked for by name: a FIFO or a directory there (which the glob leaves out) is refused, not
    // skipped unsaid (the plan refuses a directory before anything is touched; this is the backup's own guard).
    if (!/[*?]/.test(p)) {
      const st = await fs.stat(path.resolve(p)).catch(gone);
      if (st?.isDirectory()) throw new Error(stateDirRefusal(path.resolve(p)));
      if (st) refuseSpecial(path.resolve(p), st);
    }
    const prefix = globPrefix(p);
    const real = prefix === undefined ? undefined : await fs.realpath(prefix).catch(() => undefined);
    if (real !== undefined) roots[p] = real;
  }
  const sized: Array<{ file: string; size: number; disk: number }> = [];
  for (const file of [...all].sort()) {
    const st = await fs.stat(file).catch(gone);
    if (st) refuseSpecial(file, st);
    // A sparse file's copy keeps its holes: it takes on disk what the original does.
    if (st) sized.push({ file, size: st.size, disk: Math.min(st.size, st.blocks * 512) });
  }
  return { sized, roots };
}

/**
 * The backup's room, checked before the update stops its service: a backup over update.backupLimit, or larger than the
 * room left where it goes, is refused with the service untouched (it was stopped, refused, and started again).
 */
export async function checkBackupRoom(dir: string, files: string[], patterns: string[], limitBytes?: number): Promise<void> {
  const { sized } = await backupSet(files, patterns);
  await checkRoom(await existingAncestor(dir), sized, limitBytes ?? DEFAULT_BACKUP_LIMIT_BYTES, dir);
}

/**
 * Copies `files` (exact paths) and every file matching `patterns` into `dir`. SQLite's -wal/-shm files match
 * the same globs when the globs allow it (e.g. `*.sqlite*`); the service must be stopped so the set is consistent.
 */
export async function takeBackup(dir: string, files: string[], patterns: string[], now: number, opts: BackupOptions = {}): Promise<BackupManifest> {
  await mkdirRecursive(dir, 0o700);
  const { sized, roots } = await backupSet(files, patterns);
  await checkRoom(dir, sized, opts.limitBytes ?? DEFAULT_BACKUP_LIMIT_BYTES);
  const entries: BackupEntry[] = [];
  let i = 0;
  try {
    for (const { file } of sized) {
      // Only a file that is gone is skipped (a glob's match removed meanwhile, a config not yet written). One that cannot
      // be copied (unreadable, a full disk) fails the backup: left out, a rollback would keep what the new version made
      // of it and say nothing.
      const st = await fs.stat(file).catch(gone);
      if (!st) continue;
      refuseSpecial(file, st);
      const stored = `${String(i).padStart(4, '0')}-${path.basename(file)}`;
      i += 1;
      // A chunk at a time (a state database of GiBs never in memory), holes kept; durable before the manifest names it
      // (fsync of the copy and of the directory): after a power cut a manifest must not point at a short copy.
      const copied = await copyFileAtomic(file, path.join(dir, stored), { mode: 0o600 }).catch(gone);
      if (!copied) continue;
      const link = await fs.readlink(file).catch(() => null);
      const realDir = await fs.realpath(path.dirname(file));
      entries.push({ file, stored, sha256: copied.sha256, bytes: copied.bytes, mode: st.mode & 0o777, uid: st.uid, gid: st.gid, link, realDir });
    }
    const manifest: BackupManifest = { takenAt: now, patterns, entries, roots };
    await writeFileAtomic(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    return manifest;
  } catch (err) {
    // No manifest names them: copies of a failed backup only hold the space (GiBs) the service needs to start again.
    for (const e of entries) await fs.rm(path.join(dir, e.stored), { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Refuses a backup over `limit` in all (update.backupLimit), or larger than the room left on the backup's disk, before
 * anything is copied: a copy that fills the disk half-way costs the service its start, and every other writer its room.
 */
async function checkRoom(dir: string, files: Array<{ file: string; size: number; disk: number }>, limit: number, named = dir): Promise<void> {
  const total = files.reduce((n, f) => n + f.size, 0);
  const largest = files.reduce<{ file: string; size: number } | undefined>((m, f) => (!m || f.size > m.size ? f : m), undefined);
  const biggest = largest ? ` (the largest: ${largest.file} is ${formatBytes(largest.size)})` : '';
  if (total > limit) {
    throw new Error(`the state files to back up come to ${formatBytes(total)}${biggest}, more than update.backupLimit (${formatBytes(limit)}): raise update.backupLimit or remove files from update.stateFiles`);
  }
  const need = files.reduce((n, f) => n + f.disk, 0);
  const fsStat = await fs.statfs(dir).catch(() => undefined);
  const free = fsStat ? fsStat.bavail * fsStat.bsize : Infinity;
  if (need > free) throw new Error(`the state files to back up take ${formatBytes(need)} on disk${biggest}, more than the ${formatBytes(free)} free where the backup goes (${named}): free some space first`);
}

export async function readBackup(dir: string): Promise<BackupManifest | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch {
    return undefined;
  }
}

export interface RestoreReport {
  restored: string[];
  unchanged: string[];
  /** Files the new version created that the backup lacks, moved into <dir>/after/ (evidence, not deleted). */
  movedAside: string[];
  /**
   * Files that could not be put back or moved aside (a full disk, an I/O error): left as the failed version left them
   * (its evidence stays in place). One such file never stops the others, nor the rollback's switch and start.
   */
  failed: Array<{ file: string; error: string }>;
  /** Where this restore kept what it found (after/, or after-<n>/ when an earlier restore of this backup kept its own). */
  evidenceDir?: string;
  /** Each file kept as evidence and its copy there (the copies are numbered, several files may share a base name). */
  kept: Array<{ file: string; copy: string }>;
}

/** Most restores of one backup whose evidence is kept side by side (a resumed rollback is the second). */
const MAX_EVIDENCE_DIRS = 100;

/**
 * A directory of its own for this restore's evidence: `after/`, else `after-2/`, `after-3/`... A second restore of the
 * same backup (a rollback resumed by the next daemon after a kill mid-rollback) must not write over the first one's
 * copies of what the failed version left, which share their names (0000-gw.json).
 */
async function freshEvidenceDir(dir: string): Promise<string> {
  for (let n = 1; n <= MAX_EVIDENCE_DIRS; n++) {
    const d = path.join(dir, n === 1 ? 'after' : `after-${n}`);
    try {
      await fs.mkdir(d, { mode: 0o700 });
      return d;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`${dir} already holds ${MAX_EVIDENCE_DIRS} restores' evidence: nothing more is overwritten`);
}

/**
 * Puts every backed-up file back (atomically), after keeping what is there now in <dir>/after/ (after-<n>/ for a later
 * restore of the same backup) as evidence of what the failed version left. Only files the new version changed (bytes,
 * link, owner or mode) are rewritten.
 */
export async function restoreBackup(dir: string, manifest: BackupManifest): Promise<RestoreReport> {
  const report: RestoreReport = { restored: [], unchanged: [], movedAside: [], failed: [], kept: [] };
  const known = new Set(manifest.entries.map((e) => e.file));
  let i = 0;
  let after: string | undefined;
  const keepAside = async (file: string): Promise<void> => {
    after ??= await freshEvidenceDir(dir);
    report.evidenceDir = after;
    const copy = path.join(after, `${String(i).padStart(4, '0')}-${path.basename(file)}`);
    i += 1;
    // Durable before the original is rewritten (an in-place write torn by a power cut leaves this copy the only one). A
    // copy cut short by a full disk is no evidence and holds the space the next file needs: its temp file is removed.
    await copyFileAtomic(file, copy, { mode: 0o600 });
    report.kept.push({ file, copy });
  };
  // Evidence first: a file whose current bytes cannot be kept aside is not overwritten (it is its own evidence).
  const attempt = async (file: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      report.failed.push({ file, error: (err as Error).message });
    }
  };
  for (const e of manifest.entries) {
    await attempt(e.file, async () => {
      // Before anything is read or written through it: the file's directory must still be the one backed up.
      const moved = dirMoved(e.file, e.realDir);
      if (moved) throw new Error(`not restored: ${moved}; nothing is written through a link the backup did not see (its copy stays in ${path.join(dir, e.stored)})`);
      // Unreadable (EACCES, EIO) throws: a file whose bytes cannot be kept aside is not overwritten (its own evidence).
      const now = await hashFile(e.file);
      if (now && now.sha256 === e.sha256 && (await sameShape(e))) {
        report.unchanged.push(e.file);
        return;
      }
      if (now) await keepAside(e.file);
      await putBack(e, path.join(dir, e.stored));
      report.restored.push(e.file);
    });
  }
  for (const p of manifest.patterns) {
    const prefix = globPrefix(p);
    const moved = prefix === undefined ? undefined : dirMoved(path.join(prefix, 'x'), manifest.roots?.[p]);
    if (moved) {
      report.failed.push({ file: p, error: `files the new version added were not moved aside: ${moved}` });
      continue;
    }
    for (const f of await expandPathGlob(p).catch(() => [] as string[])) {
      if (known.has(f)) continue;
      await attempt(f, async () => {
        if (!(await fs.stat(f).catch(() => undefined))) return;
        await keepAside(f);
        await fs.rm(f, { force: true });
        report.movedAside.push(f);
      });
    }
  }
  return report;
}

/**
 * Why `file`'s directory is no longer `realDir`, the real directory it was in at backup time (a directory on its path
 * replaced by a symbolic link to elsewhere since), or undefined when it is (or was not recorded). A directory that is
 * gone is judged by its nearest ancestor that is there: the restore creates the rest inside it.
 */
function dirMoved(file: string, realDir: string | undefined): string | undefined {
  if (realDir === undefined) return undefined;
  const now = realPathAsFarAsExists(path.dirname(file));
  return now === realDir ? undefined : `${path.dirname(file)} now leads to ${now}, not to ${realDir} as when it was backed up`;
}

/**
 * The file is still what the backup recorded beyond its bytes: the user's link (or no link), the owner and the mode. A
 * version that only chowned its config to root, chmodded it 0600 or replaced the user's link by a plain copy changed
 * nothing a byte comparison sees, and the old version, running as the service's user, could not read what it left.
 */
async function sameShape(e: BackupEntry): Promise<boolean> {
  if (e.link !== undefined && (await fs.readlink(e.file).catch(() => null)) !== e.link) return false;
  const st = await fs.stat(e.file).catch(() => undefined);
  if (!st) return false;
  if ((st.mode & 0o777) !== e.mode) return false;
  const owner = givenOwner(e);
  return !owner || (st.uid === owner.uid && st.gid === owner.gid);
}

/** The backed-up owner, when recorded and this process may give it (`ownerToGive`). */
function givenOwner(e: BackupEntry): { uid: number; gid: number } | undefined {
  return e.uid !== undefined && e.gid !== undefined ? ownerToGive({ uid: e.uid, gid: e.gid }) : undefined;
}

/**
 * Puts the bytes back as the file was: the user's symbolic link stays a link (put back if the new version replaced it)
 * and its target is written; the owner and mode are the backed-up ones; a file with other names (hard links) the new
 * version changed in place is written in place, so every name has the old bytes again (both versions are kept: the
 * backup and <dir>/after/).
 */
async function putBack(e: BackupEntry, copy: string): Promise<void> {
  if (typeof e.link === 'string') {
    const now = await fs.readlink(e.file).catch(() => undefined);
    if (now !== e.link) {
      // The new version put a file (or another link) where the user's link was; what is there is kept in after/.
      await fs.rm(e.file, { force: true });
      await mkdirRecursive(path.dirname(e.file));
      await fs.symlink(e.link, e.file);
    }
  }
  const linked = e.link === null ? undefined : await fs.realpath(e.file).catch(() => undefined);
  const target = linked ?? (typeof e.link === 'string' ? path.resolve(path.dirname(e.file), e.link) : e.file);
  const owner = givenOwner(e);
  await mkdirRecursive(path.dirname(target));
  await putBackFile(target, copy, { mode: e.mode, owner, sha256: e.sha256 });
}
