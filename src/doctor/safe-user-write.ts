// The only way the doctor writes a user's file: snapshot the current bytes first, keep broken ones as evidence, replace atomically.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileStamp } from '../platform/file-stamp.js';
import { randomBytes } from 'node:crypto';
import { writeFileAtomicIf, type FileOwner } from '../platform/atomic-write.js';
import { overwriteInPlace } from '../platform/hard-links.js';
import { readServiceConfigFile, sha256 } from '../platform/config-file.js';
import { FileTooLargeError, NotRegularFileError } from '../platform/read-regular.js';
import type { Clock } from '../platform/clock.js';
import type { SnapshotEntry, SnapshotStore } from './snapshot-store.js';
import { errorWithContext } from '../platform/error-context.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

export interface CurrentFile {
  /** The real path (symlinks resolved, so a linked config is replaced at its target, the link kept). */
  realPath: string;
  content?: Buffer;
  /** Permission bits, when the file exists. */
  mode?: number;
  /** Its owner, when the file exists: a replacement keeps it (the service's user must still read its config). */
  owner?: FileOwner;
  /**
   * What is there instead of a config file ("a FIFO", "a directory", "a file of 2147483648 bytes", or through a link):
   * a repair writes nothing over it (it is not the user's bytes to snapshot, and the link may lead to a device).
   */
  notAFile?: string;
}

/**
 * Where a symlink whose target is missing leads (links followed, at most 40 as the kernel does): the missing file in
 * an existing directory, or what is wrong instead. realpath fails on such a link, and the link itself was taken for
 * the file: a restore renamed a regular file over the user's link.
 */
async function danglingTarget(file: string): Promise<{ realPath: string } | { notAFile: string }> {
  let p = file;
  for (let hops = 0; hops < 40; hops++) {
    const text = await fs.readlink(p).catch(() => undefined);
    if (text === undefined) {
      const dir = await fs.realpath(path.dirname(p)).catch(() => undefined);
      if (dir === undefined) return { notAFile: `a symlink to ${p}, whose directory does not exist` };
      return { realPath: path.join(dir, path.basename(p)) };
    }
    p = path.resolve(path.dirname(p), text);
  }
  return { notAFile: `a symlink that leads through more than 40 links (a loop)` };
}

export async function readCurrent(file: string): Promise<CurrentFile> {
  let realPath = await fs.realpath(file).catch(() => undefined);
  if (realPath === undefined) {
    const link = (await fs.lstat(file).catch(() => undefined))?.isSymbolicLink() ? await danglingTarget(file) : { realPath: file };
    if ('notAFile' in link) return { realPath: file, notAFile: link.notAFile };
    realPath = link.realPath;
  }
  try {
    const [content, st] = await Promise.all([readServiceConfigFile(realPath), fs.stat(realPath)]);
    return { realPath, content, mode: st.mode & 0o7777, owner: { uid: st.uid, gid: st.gid } };
  } catch (err) {
    if (err instanceof NotRegularFileError) return { realPath, notAFile: err.kind };
    if (err instanceof FileTooLargeError) return { realPath, notAFile: `a file of ${err.size} bytes (over ${err.maxBytes})` };
    return { realPath };
  }
}

/** How the evidence of a user's file is kept: owned like the file, with no wider permissions than it had. */
export interface EvidenceLike {
  /** The file's permission bits (0600 when unknown); set-id and sticky bits are dropped. */
  mode?: number | undefined;
  /** The file's owner: the evidence is given it, so the user can read and remove it without root. */
  owner?: FileOwner | undefined;
}

/** The narrower of two modes (the bits both allow); either alone when the other is unknown. */
export function narrowerMode(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : a & b;
}

/** Where the evidence is: `created` is false when an earlier piece of evidence beside the file held the same bytes. */
export interface KeptEvidence {
  path: string;
  created: boolean;
}

/**
 * An earlier `<file>.<label>-*` beside the file holding exactly `content` (a regular file, not followed through a
 * link). A config broken the same way again (a tool writing the same bad bytes each night) added one identical file
 * to the user's directory per repair, without end; the same bytes are kept once and every repair is journaled.
 */
async function sameEvidenceBeside(file: string, content: Buffer, label: string): Promise<string | undefined> {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.${label}-`;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const candidate = path.join(dir, name);
    const handle = await fs.open(candidate, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
    if (!handle) continue;
    try {
      const st = await handle.stat();
      if (!st.isFile() || st.size !== content.length) continue;
      if ((await handle.readFile()).equals(content)) return candidate;
    } catch {
      // Unreadable: not evidence we can vouch for; a new file is written.
    } finally {
      await handle.close().catch(() => undefined);
    }
  }
  return undefined;
}

/**
 * `<file>.corrupt-<fileStamp>` (or another label), written exclusively (never over an earlier piece of evidence), owned
 * like the file. A chown the system refuses (a daemon not running as root) leaves the evidence the daemon's, with the
 * file's mode at most: it is kept either way. Bytes already kept beside under the same label are not written again.
 */
export async function keepEvidence(file: string, content: Buffer, like: EvidenceLike, clock: Pick<Clock, 'now'>, label = 'corrupt'): Promise<string> {
  const kept = await keepEvidenceOnce(file, content, like, clock, label);
  // Bounded like the restore's copies (EVIDENCE_BOUND), the one returned (the one the caller names) always kept: the
  // service-doctor guard and the doctor's revert kept one more copy per run, bounded only by the 30-day age rule.
  if (kept.created) await boundEvidenceBeside(file, kept.path, label);
  return kept.path;
}

/** keepEvidence, saying whether this call wrote the file (only then may a failed repair remove it again). */
export async function keepEvidenceOnce(file: string, content: Buffer, like: EvidenceLike, clock: Pick<Clock, 'now'>, label = 'corrupt'): Promise<KeptEvidence> {
  const same = await sameEvidenceBeside(file, content, label);
  if (same !== undefined) return { path: same, created: false };
  // The one stamp every evidence writer uses (fileStamp): the state dir's own copies and the locks' read alike.
  const stamp = fileStamp(clock.now());
  const mode = (like.mode ?? 0o600) & 0o777;
  for (let n = 0; n < 100; n++) {
    const target = `${file}.${label}-${stamp}${n === 0 ? '' : `-${n}`}`;
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(target, 'wx', mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw errorWithContext(`could not keep the bytes of ${file} as evidence at ${target}`, err);
    }
    try {
      // Owner given while the file is still empty (open(2) masked its bits with the umask: narrower only).
      if (like.owner) await handle.chown(like.owner.uid, like.owner.gid).catch(() => undefined);
      await handle.writeFile(content);
      await handle.sync();
      await handle.close();
    } catch (err) {
      // A write the disk refused (ENOSPC) left an empty or cut copy: not evidence of anything, and one more per attempt.
      await handle.close().catch(() => undefined);
      await fs.rm(target, { force: true }).catch(() => undefined);
      throw errorWithContext(`could not keep the bytes of ${file} as evidence at ${target} (the cut copy removed again)`, err);
    }
    return { path: target, created: true };
  }
  throw new Error(`could not find a free evidence name beside ${file}`);
}

/**
 * How many copies of a file's broken bytes are kept beside it under one label, and how many bytes they may take. A
 * crash storm rewriting garbage into a config (each repair keeping the new garbage) added one copy per repair, bounded
 * only by age (30 days): 12 repairs of a 270 KB garbage file kept 13 copies, 3.2 MB, in the user's directory.
 */
export const EVIDENCE_BOUND = { copies: 20, bytes: 16 * 1024 * 1024 } as const;

export interface EvidenceCopy {
  name: string;
  mtimeMs: number;
  size: number;
}

/**
 * Pure: the copies beyond the bound. The one this repair names (`keep`) always stays and counts first; then the newest
 * stay while both the count and the bytes fit; every older one goes (an older copy is never kept over a newer one).
 */
export function evidenceOverBound(copies: readonly EvidenceCopy[], keep: string, bound: { copies: number; bytes: number } = EVIDENCE_BOUND): string[] {
  const order = [...copies].sort((a, b) => (a.name === keep ? -1 : b.name === keep ? 1 : b.mtimeMs - a.mtimeMs || (a.name < b.name ? 1 : -1)));
  const over: string[] = [];
  let count = 0;
  let bytes = 0;
  let full = false;
  for (const c of order) {
    if (c.name !== keep && (full || count + 1 > bound.copies || bytes + c.size > bound.bytes)) {
      full = true;
      over.push(c.name);
      continue;
    }
    count++;
    bytes += c.size;
  }
  return over;
}

/**
 * Removes the regular `<file>.<label>-*` copies beside the file beyond EVIDENCE_BOUND, never `keep` (the copy the
 * repair just named); called once the repair is written, so a failed one removes nothing. Returns the removed paths
 * (the caller names them in its outcome); a copy it cannot read or remove is left, never an error.
 */
export async function boundEvidenceBeside(file: string, keep: string, label = 'corrupt', bound: { copies: number; bytes: number } = EVIDENCE_BOUND): Promise<string[]> {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.${label}-`;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const copies: EvidenceCopy[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || name.length === prefix.length) continue;
    const st = await fs.lstat(path.join(dir, name)).catch(() => undefined);
    if (st?.isFile()) copies.push({ name, mtimeMs: st.mtimeMs, size: st.size });
  }
  const removed: string[] = [];
  for (const name of evidenceOverBound(copies, path.basename(keep), bound)) {
    const p = path.join(dir, name);
    if (await fs.rm(p).then(() => true, () => false)) removed.push(p);
  }
  return removed;
}

/** How an outcome names the copies the bound removed ('' when none). */
export function prunedEvidenceNote(removed: readonly string[], bound: { copies: number; bytes: number } = EVIDENCE_BOUND): string {
  if (removed.length === 0) return '';
  const shown = removed.slice(0, 5).map((p) => path.basename(p)).join(', ');
  return `; ${removed.length} older cop${removed.length === 1 ? 'y' : 'ies'} of broken bytes beside it removed to stay within ${bound.copies} copies and ${Math.round(bound.bytes / 1048576)} MiB: ${shown}${removed.length > 5 ? ', …' : ''}`;
}

/**
 * replaceIfUnchanged, with the evidence this repair wrote for the bytes it replaces (not an earlier one it reused): when the write throws (a rename refused by an
 * append-only file, a full disk) and the file still holds those bytes, the evidence is a stray copy of bytes still in
 * place and is removed, so a failed repair leaves nothing behind (each Level 2 attempt would add another).
 */
export async function replaceKeepingEvidence(read: CurrentFile, evidence: string | undefined, content: Buffer, mode: number | undefined, owner: FileOwner | undefined = read.owner, signal?: AbortSignal): Promise<boolean> {
  try {
    return await replaceIfUnchanged(read, content, mode, owner, signal);
  } catch (err) {
    if (evidence !== undefined && read.content !== undefined && (await unchangedSince(read).catch(() => false))) await fs.rm(evidence, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Snapshots the file's current bytes (if any) as pre-repair; returns the entry, or undefined for a missing file. */
export async function snapshotBeforeRepair(store: SnapshotStore, file: string, current: CurrentFile, reason: string): Promise<SnapshotEntry | undefined> {
  if (current.content === undefined) return undefined;
  const meta: Parameters<SnapshotStore['save']>[1] = { sourcePath: file, reason, kind: 'pre-repair' };
  if (current.mode !== undefined) meta.mode = current.mode;
  if (current.owner) meta.owner = current.owner;
  const entry = await store.save(current.content, meta);
  // Trust but verify: the bytes we are about to replace must be readable back from the store.
  const back = await store.read(entry);
  if (sha256(back) !== sha256(current.content)) throw new Error(`pre-repair snapshot of ${file} does not match the file`);
  return entry;
}

/**
 * The file still holds the bytes the repair read (or is still missing). A repair prepared over seconds (validators)
 * must not land on a file someone saved meanwhile: their save would be overwritten and kept nowhere.
 */
export async function unchangedSince(read: CurrentFile): Promise<boolean> {
  const now = await readServiceConfigFile(read.realPath).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : err));
  if (now instanceof Error) return false;
  if (now === undefined || read.content === undefined) return now === read.content;
  return now.equals(read.content);
}

/** What a repair says when the file changed under it: nothing written, the new bytes are the user's. */
export function changedMeanwhileMessage(file: string): string {
  return `${file} changed while the repair was being prepared (saved by someone else meanwhile); nothing written, the file is left as they saved it`;
}

/**
 * Replaces the file only if it still holds the bytes the repair read (checked right before the rename; false, and
 * nothing written, when it changed). The owner is the one read, unless another is given.
 */
export async function replaceIfUnchanged(read: CurrentFile, content: Buffer, mode: number | undefined, owner: FileOwner | undefined = read.owner, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted || !(await unchangedSince(read))) return false;
  // Checked again once the new bytes are on disk beside it: a save made during that write is not renamed over. So is a
  // cancel (the run's deadline, a stop): one landing before the rename wins (nothing written, false; the caller asks
  // signal.aborted to say why), one landing after it finds the write done. The rename follows the check with no turn of
  // the event loop between them, so the two cannot overlap.
  return replaceFile(read.realPath, content, mode, owner, async () => !signal?.aborted && (await unchangedSince(read)) && !signal?.aborted);
}

/**
 * Atomically replaces realPath with content, keeping mode (falls back to 0600) and owner (falls back to the owner of
 * the file there now; a new file is the daemon's). With `stillSo`, asked right before the rename: false replaces
 * nothing and returns false.
 */
export async function replaceFile(realPath: string, content: Buffer, mode: number | undefined, owner?: FileOwner, stillSo?: () => Promise<boolean>): Promise<boolean> {
  const keep = owner ?? (await fs.stat(realPath).then((st) => (st.isFile() ? { uid: st.uid, gid: st.gid } : undefined), () => undefined));
  const written = await writeFileAtomicIf(realPath, content, { mode: mode ?? 0o600, ...(keep ? { owner: keep } : {}) }, stillSo ?? (async () => true));
  // open(2) applies the umask to the temp file's mode; set the bits we meant.
  if (written && mode !== undefined) await fs.chmod(realPath, mode);
  return written;
}

/**
 * Puts a user's file back as it was (a rollback): like replaceFile, except that a file with other names (hard links)
 * is written in place, so every name has the bytes again. A rename would put back this name only and leave the others
 * with what is being undone. Not atomic: callers keep both versions first (the pre-repair snapshot, the evidence).
 */
export async function putBackFile(realPath: string, content: Buffer, mode: number | undefined, owner?: FileOwner, stillSo?: () => Promise<boolean>): Promise<boolean> {
  const st = await fs.stat(realPath).catch(() => undefined);
  if (!st?.isFile() || st.nlink < 2) return replaceFile(realPath, content, mode, owner, stillSo);
  await overwriteInPlace(realPath, content, { mode, owner });
  return true;
}

/** putBackFile, only if the file still holds the bytes that were read (false, and nothing written, when it changed). */
export async function putBackIfUnchanged(read: CurrentFile, content: Buffer, mode: number | undefined, owner: FileOwner | undefined = read.owner): Promise<boolean> {
  if (!(await unchangedSince(read))) return false;
  return putBackFile(read.realPath, content, mode, owner, () => unchangedSince(read));
}

/**
 * Makes the missing directories above a file being restored (0700), each given the file's owner: a config directory
 * the user deleted with the config comes back theirs, not a root-only directory the service cannot enter.
 */
export async function makeParentDirs(file: string, owner: FileOwner | undefined): Promise<void> {
  const first = await mkdirRecursive(path.dirname(file), 0o700);
  if (first === undefined || !owner) return;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    await fs.chown(dir, owner.uid, owner.gid);
    if (dir === first || dir === path.dirname(dir)) break;
  }
}

/** The text of the symlink at file, or undefined when file is not a symlink. */
export async function readLinkText(file: string): Promise<string | undefined> {
  return fs.readlink(file).catch(() => undefined);
}

/**
 * A command (the service's own doctor) replaced the user's symlinked config with a file of its own: its bytes go
 * into the link's target (only if the target still holds what was read before) and the link is put back, atomically.
 * Returns what was done, or why not.
 */
export async function putLinkBack(link: string, linkText: string, target: CurrentFile): Promise<{ relinked: boolean; message: string }> {
  const st = await fs.lstat(link).catch(() => undefined);
  if (st?.isSymbolicLink()) return { relinked: false, message: `${link} is a symlink again` };
  const written = st?.isFile() ? await readServiceConfigFile(link) : undefined;
  // Into the target as the doctor would have written through the link: in place when it has other names.
  if (written !== undefined && !(await putBackIfUnchanged(target, written, target.mode, target.owner))) {
    return { relinked: false, message: `${link} was replaced by a file, and its link target ${target.realPath} changed too; both left as they are` };
  }
  if (st && !st.isFile()) return { relinked: false, message: `${link} was replaced by something that is not a file; left as it is` };
  const tmp = path.join(path.dirname(link), `.${path.basename(link)}.${process.pid}.${randomBytes(4).toString('hex')}.link`);
  await fs.symlink(linkText, tmp);
  try {
    await fs.rename(tmp, link);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return {
    relinked: true,
    message: written !== undefined ? `it replaced the symlink ${link} with a file: its content was moved into the link's target ${target.realPath} and the link put back` : `it removed the symlink ${link}: the link was put back`,
  };
}
