// Never lose a user's file: its exact bytes and mode are kept in memory and in a private temp copy until put back.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { ownerToGive, writeFileAtomicSync, type FileOwner } from '../platform/atomic-write.js';
import { putBackBytesSync } from '../platform/hard-links.js';
import { processStartTime } from '../platform/proc.js';
import { giveTo, prepareBackupRoot, removeBackupRootIfEmpty, unreadableBackupLines } from './backup-root.js';
import { abandonedGuards, BACKUP_PREFIX, bytesNow, leftAsDrillWrote, MANIFEST, type GuardManifest } from './drill-leftovers.js';

export function sha256Of(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface GuardedFile {
  /** The path the config names (may be a symlink). */
  path: string;
  /** Where the bytes really live (symlinks resolved): what the drill breaks and restores. */
  realPath: string;
  /** undefined: the file did not exist. */
  content: Buffer | undefined;
  mode: number | undefined;
  /** The file's owner: put back with the bytes (a drill run as root must not leave the service user's config root's). */
  owner?: FileOwner | undefined;
  /** A copy on disk for the case the drill itself is SIGKILLed. */
  backupPath: string | undefined;
  /** The mode and owner of the file's directory: a directory that went away comes back as it was, not root's 0700. */
  dir?: DirMeta | undefined;
}

export interface DirMeta {
  mode: number;
  owner: FileOwner;
}

/**
 * Reads the file's bytes and mode and writes a 0600 copy into a fresh 0700 dir under `root` (a drill passes
 * drillBackupRoot(stateDir), where a later drill or the daemon's start finds it). `rootOwner` (the state dir's owner)
 * gets the root, the copy and its manifest when this process may give them (root): any drill or daemon of that state
 * dir can then put the file back. A root nobody here can write throws, naming it, before anything is changed.
 */
export function guardFile(file: string, root = os.tmpdir(), rootOwner?: FileOwner): GuardedFile {
  let realPath = file;
  try {
    realPath = realpathSync(file);
  } catch {
    // missing (or a dangling symlink): restore to the named path
  }
  let content: Buffer | undefined;
  let mode: number | undefined;
  let owner: FileOwner | undefined;
  if (existsSync(realPath) && statSync(realPath).isFile()) {
    content = readFileSync(realPath);
    const st = statSync(realPath);
    mode = st.mode & 0o7777;
    owner = { uid: st.uid, gid: st.gid };
  }
  let dir: DirMeta | undefined;
  try {
    const st = statSync(path.dirname(realPath));
    dir = { mode: st.mode & 0o7777, owner: { uid: st.uid, gid: st.gid } };
  } catch {
    // no directory: nothing to recreate as it was
  }
  let backupPath: string | undefined;
  if (content !== undefined) {
    let backupDir: string;
    try {
      prepareBackupRoot(root, rootOwner);
      backupDir = mkdtempSync(path.join(root, BACKUP_PREFIX));
    } catch (err) {
      throw new Error(`cannot keep a copy of ${realPath} in ${root} before changing it (${(err as Error).message}): nothing was changed; ${root} must be writable by uid ${process.getuid?.() ?? '?'} (run the drill once as root, which gives it to the state dir's owner)`);
    }
    giveTo(backupDir, rootOwner);
    backupPath = path.join(backupDir, path.basename(realPath));
    writeFileSync(backupPath, content, { mode: 0o600 });
    giveTo(backupPath, rootOwner);
    writeManifest(backupDir, { realPath, mode: mode ?? null, fileOwner: owner ?? null, dir: dir ?? null, backup: path.basename(backupPath), owner: { pid: process.pid, startTime: processStartTime(process.pid) ?? null }, wrote: null });
  }
  return { path: file, realPath, content, mode, owner, backupPath, dir };
}

function writeManifest(dir: string, m: GuardManifest): void {
  // The manifest is its dir's owner's (the state dir's owner, see guardFile), as the copy beside it.
  const st = statSync(dir);
  const owner = ownerToGive({ uid: st.uid, gid: st.gid });
  writeFileAtomicSync(path.join(dir, MANIFEST), JSON.stringify(m) + '\n', { mode: 0o600, ...(owner ? { owner } : {}) });
}

/**
 * Records what the drill is about to write over the guarded file (undefined: it deletes it), before it writes: a
 * later drill puts the user's bytes back only over exactly these bytes, never over an edit made since.
 */
export function noteDrillWrite(g: GuardedFile, bytes: Buffer | undefined): void {
  if (!g.backupPath) return;
  const dir = path.dirname(g.backupPath);
  // Unrecorded, a write would look like none to the next drill, which drops the backups of drills that never wrote:
  // the drill stops here (throws) and changes nothing.
  try {
    const m = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as GuardManifest;
    writeManifest(dir, { ...m, wrote: bytes === undefined ? 'deleted' : sha256Of(bytes) });
  } catch (err) {
    throw new Error(`cannot record the drill's change of ${g.realPath} in ${dir} (${(err as Error).message}): nothing was changed`);
  }
}

/**
 * Marks a backup the user was told about (its file edited since, left as it is) as theirs: kept, never announced again.
 * Best effort: unmarked, the next drill says it once more.
 */
export function handOverGuard(g: Pick<GuardedFile, 'backupPath'>): void {
  if (!g.backupPath) return;
  const dir = path.dirname(g.backupPath);
  try {
    const m = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as GuardManifest;
    writeManifest(dir, { ...m, handedOver: true });
  } catch {
    // gone or unreadable: nothing to mark
  }
}

/**
 * A drill that was SIGKILLed could not put a file back. Its backup dir (owner gone) is found by the next drill: the
 * bytes go back when the file still holds what that drill wrote (or is still deleted); otherwise (edited since)
 * nothing is overwritten and the backup is kept and named. Returns lines for the user.
 */
export function recoverAbandonedGuards(tmp: string | readonly string[] = os.tmpdir()): string[] {
  const out: string[] = unreadableBackupLines(typeof tmp === 'string' ? [tmp] : tmp);
  for (const { dir, manifest: m } of abandonedGuards(tmp)) {
    let original: Buffer;
    try {
      // Killed before it wrote anything (it records a write first): whatever the file holds now is not the drill's
      // doing, there is nothing to put back, and the copy would be announced by every drill from now on.
      if (m.wrote === null) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      original = readFileSync(path.join(dir, m.backup));
    } catch {
      continue;
    }
    const now = bytesNow(m.realPath);
    const g: GuardedFile = { path: m.realPath, realPath: m.realPath, content: original, mode: m.mode ?? undefined, owner: m.fileOwner ?? undefined, backupPath: path.join(dir, m.backup), dir: m.dir ?? undefined };
    const drillLeftIt = leftAsDrillWrote(m, now, sha256Of);
    // Evidence the doctor kept of the killed drill's garbage (it restored the file meanwhile) is no evidence of anything.
    const wroteSince = statSync(dir).mtimeMs;
    if (now !== undefined && now.equals(original)) {
      releaseGuard(g);
      for (const p of removeKilledDrillEvidence(m.realPath, m.wrote, wroteSince)) out.push(`removed ${p}: the doctor's copy of what a drill that was killed (pid ${m.owner.pid}) wrote there`);
    } else if (drillLeftIt) {
      try {
        restoreFile(g);
      } catch (err) {
        out.push(`a drill that was killed (pid ${m.owner.pid}) kept the earlier bytes of ${m.realPath} in ${g.backupPath}; not put back: ${(err as Error).message}`);
        continue;
      }
      releaseGuard(g);
      out.push(`put back ${m.realPath} (${original.length} bytes) from a drill that was killed before it could (pid ${m.owner.pid})`);
    } else {
      out.push(`a drill that was killed (pid ${m.owner.pid}) kept the earlier bytes of ${m.realPath} in ${g.backupPath}; the file has changed since, so it was left as it is`);
      handOverGuard(g);
    }
  }
  return out;
}

/** True when the file on disk has exactly the guarded bytes (or is still absent when it was absent). */
export function isIntact(g: GuardedFile): boolean {
  try {
    const now = readFileSync(g.realPath);
    return g.content !== undefined && now.equals(g.content);
  } catch {
    return g.content === undefined;
  }
}

/**
 * Puts the exact bytes, mode and owner back, creating the directory if it went away (with its recorded mode and owner;
 * refused, throwing, when those are unknown or its own parent went too): atomically, or in place when the file has other
 * names (hard links), so they all get the bytes back. Synchronous: safe in a signal handler.
 */
export function restoreFile(g: GuardedFile): 'unchanged' | 'restored' | 'removed' {
  if (isIntact(g)) return 'unchanged';
  if (g.content === undefined) {
    rmSync(g.realPath, { force: true });
    return 'removed';
  }
  recreateDir(g);
  putBackBytesSync(g.realPath, g.content, { mode: g.mode ?? 0o600, owner: ownerToGive(g.owner) });
  return 'restored';
}

/** The file's directory, if it went away, as it was (mode and owner); throws, creating nothing, when that cannot be. */
function recreateDir(g: GuardedFile): void {
  const dir = path.dirname(g.realPath);
  if (existsSync(dir)) return;
  const kept = g.backupPath ? `; the bytes are kept in ${g.backupPath}` : '';
  if (!g.dir) throw new Error(`${dir} is gone and its mode and owner were not recorded, so it was not recreated${kept}`);
  if (!existsSync(path.dirname(dir))) throw new Error(`${dir} and its parent ${path.dirname(dir)} are gone, so they were not recreated${kept}`);
  mkdirSync(dir, { mode: g.dir.mode });
  // mkdir applies the umask: the recorded mode exactly, and the recorded owner when this process may give it.
  const owner = ownerToGive(g.dir.owner);
  if (owner) chownSync(dir, owner.uid, owner.gid);
  chmodSync(dir, g.dir.mode);
}

/**
 * restoreFile, only over what the drill or the doctor put there: the drill's own bytes (`ours`: sha-256 of its garbage
 * and of the last-known-good copies the doctor restores from), or nothing when the drill deleted the file. A file
 * edited since (a person fixed or re-tokened it) is left as it is, its earlier bytes kept in the backup: 'left'.
 */
export function restoreIfDrills(g: GuardedFile, ours: ReadonlySet<string>, deleted: boolean): ReturnType<typeof restoreFile> | 'left' {
  if (isIntact(g)) return 'unchanged';
  const now = bytesNow(g.realPath);
  if (now === undefined ? !deleted : !ours.has(sha256Of(now))) return 'left';
  return restoreFile(g);
}

/** Removes the temp copy once the bytes are verified back in place. */
export function releaseGuard(g: GuardedFile): void {
  if (!g.backupPath || !isIntact(g)) return;
  const dir = path.dirname(g.backupPath);
  rmSync(dir, { recursive: true, force: true });
  removeBackupRootIfEmpty(path.dirname(dir));
}

/**
 * The doctor keeps a broken config as `<file>.corrupt-<time>` evidence. Evidence of a drill's own garbage is
 * not evidence of anything: remove those that appeared since `before` and hold exactly the bytes the drill wrote.
 */
export function removeDrillEvidence(realPath: string, before: ReadonlySet<string>, garbage: Buffer | undefined): string[] {
  if (garbage === undefined) return [];
  return removeEvidenceWhere(realPath, (name, _st, bytes) => !before.has(name) && bytes().equals(garbage));
}

/**
 * removeDrillEvidence for a drill that was killed: only the sha of its bytes is known (the guard's manifest), and only
 * evidence written since it recorded that write (the guard dir's mtime) is considered.
 */
function removeKilledDrillEvidence(realPath: string, wrote: string, since: number): string[] {
  if (wrote === 'deleted') return [];
  return removeEvidenceWhere(realPath, (_name, st, bytes) => st.mtimeMs >= since && sha256Of(bytes()) === wrote);
}

/** Removes the regular `.corrupt-*` files beside realPath that `isDrills` says hold a drill's garbage; their paths. */
function removeEvidenceWhere(realPath: string, isDrills: (name: string, st: Stats, bytes: () => Buffer) => boolean): string[] {
  const removed: string[] = [];
  for (const name of evidenceNames(realPath)) {
    const p = path.join(path.dirname(realPath), name);
    try {
      const st = lstatSync(p);
      if (st.isFile() && isDrills(name, st, () => readFileSync(p))) {
        rmSync(p);
        removed.push(p);
      }
    } catch {
      // gone or unreadable: leave it
    }
  }
  return removed;
}

export function evidenceNames(realPath: string): Set<string> {
  const prefix = `${path.basename(realPath)}.corrupt-`;
  try {
    return new Set(readdirSync(path.dirname(realPath)).filter((n) => n.startsWith(prefix)));
  } catch {
    return new Set();
  }
}

