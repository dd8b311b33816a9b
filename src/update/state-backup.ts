// Copies of the service's config and state files taken while it is stopped (so they are consistent), restored on rollback.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { expandPathGlob } from '../doctor/path-glob.js';
import { ownerToGive, writeFileAtomic } from '../platform/atomic-write.js';
import { putBackBytes } from '../platform/hard-links.js';
import { formatBytes } from '../probes/byte-size.js';

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
}

export interface BackupManifest {
  takenAt: number;
  /** The globs the state files came from: on restore, files matching them that the backup lacks are moved aside. */
  patterns: string[];
  entries: BackupEntry[];
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Largest file a backup copies: it is read whole, and Node reads at most 2 GiB into one buffer. */
export const MAX_BACKUP_FILE_BYTES = 2 ** 31 - 1;

/** undefined for a file that does not exist (nor its directory); any other error is the caller's. */
const gone = (err: unknown): undefined => {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  throw err;
};

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

/**
 * Copies `files` (exact paths) and every file matching `patterns` into `dir`. SQLite's -wal/-shm files match
 * the same globs when the globs allow it (e.g. `*.sqlite*`); the service must be stopped so the set is consistent.
 */
export async function takeBackup(dir: string, files: string[], patterns: string[], now: number): Promise<BackupManifest> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const all = new Set<string>(files);
  for (const p of patterns) {
    for (const f of await expandPathGlob(p)) all.add(f);
    const named = await linkNamedExactly(p);
    if (named) all.add(named);
  }
  const entries: BackupEntry[] = [];
  let i = 0;
  for (const file of [...all].sort()) {
    // Only a file that is gone is skipped (a glob's match removed meanwhile, a config not yet written). One that cannot be
    // copied (too large, unreadable) fails the backup: left out, a rollback would keep what the new version made of it
    // and say nothing.
    const st = await fs.stat(file).catch(gone);
    if (!st) continue;
    if (st.size > MAX_BACKUP_FILE_BYTES) throw new Error(`${file} is ${formatBytes(st.size)}, more than a backup copies (${formatBytes(MAX_BACKUP_FILE_BYTES)} per file): remove it from update.stateFiles or make it smaller`);
    const bytes = await fs.readFile(file).catch(gone);
    if (!bytes) continue;
    const link = await fs.readlink(file).catch(() => null);
    const stored = `${String(i).padStart(4, '0')}-${path.basename(file)}`;
    i += 1;
    // Durable before the manifest names it (fsync of the copy and of the directory): after a power cut a manifest must
    // not point at an empty or short copy, which a rollback would then put back over the user's config.
    await writeFileAtomic(path.join(dir, stored), bytes, { mode: 0o600 });
    entries.push({ file, stored, sha256: sha(bytes), bytes: bytes.length, mode: st.mode & 0o777, uid: st.uid, gid: st.gid, link });
  }
  const manifest: BackupManifest = { takenAt: now, patterns, entries };
  await writeFileAtomic(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
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
  const report: RestoreReport = { restored: [], unchanged: [], movedAside: [], failed: [] };
  const known = new Set(manifest.entries.map((e) => e.file));
  let i = 0;
  let after: string | undefined;
  const keepAside = async (file: string, bytes: Buffer): Promise<void> => {
    after ??= await freshEvidenceDir(dir);
    report.evidenceDir = after;
    const copy = path.join(after, `${String(i).padStart(4, '0')}-${path.basename(file)}`);
    i += 1;
    // Durable before the original is rewritten (an in-place write torn by a power cut leaves this copy the only one). A
    // copy cut short by a full disk is no evidence and holds the space the next file needs: its temp file is removed.
    await writeFileAtomic(copy, bytes, { mode: 0o600 });
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
      const now = await fs.readFile(e.file).catch(() => undefined);
      if (now && sha(now) === e.sha256 && (await sameShape(e))) {
        report.unchanged.push(e.file);
        return;
      }
      if (now) await keepAside(e.file, now);
      const bytes = await fs.readFile(path.join(dir, e.stored));
      await putBack(e, bytes);
      report.restored.push(e.file);
    });
  }
  for (const p of manifest.patterns) {
    for (const f of await expandPathGlob(p).catch(() => [] as string[])) {
      if (known.has(f)) continue;
      await attempt(f, async () => {
        const bytes = await fs.readFile(f).catch(() => undefined);
        if (!bytes) return;
        await keepAside(f, bytes);
        await fs.rm(f, { force: true });
        report.movedAside.push(f);
      });
    }
  }
  return report;
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
async function putBack(e: BackupEntry, bytes: Buffer): Promise<void> {
  if (typeof e.link === 'string') {
    const now = await fs.readlink(e.file).catch(() => undefined);
    if (now !== e.link) {
      // The new version put a file (or another link) where the user's link was; what is there is kept in after/.
      await fs.rm(e.file, { force: true });
      await fs.mkdir(path.dirname(e.file), { recursive: true });
      await fs.symlink(e.link, e.file);
    }
  }
  const linked = e.link === null ? undefined : await fs.realpath(e.file).catch(() => undefined);
  const target = linked ?? (typeof e.link === 'string' ? path.resolve(path.dirname(e.file), e.link) : e.file);
  const owner = givenOwner(e);
  await fs.mkdir(path.dirname(target), { recursive: true });
  await putBackBytes(target, bytes, { mode: e.mode, owner });
}
