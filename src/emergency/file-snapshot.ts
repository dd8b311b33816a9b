// The bytes of every file the agent may touch, saved before it starts: to diff what it did and to undo it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ownerToGive, writeFileAtomic } from '../platform/atomic-write.js';
import { putBackBytes } from '../platform/hard-links.js';
import { sha256 } from '../platform/config-file.js';
import { lineDiff } from '../doctor/line-diff.js';
import { openWriters } from '../platform/open-writers.js';
import { NotRegularFileError, readRegularFile } from '../platform/read-regular.js';
import type { CommandRunner } from '../doctor/types.js';
import { codeChangedSince, isExcluded, listTree } from './file-tree.js';
import { withCurrentProtected, type KeepProtected } from './revert-protected.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

export interface SnapshotLimits {
  maxFileBytes: number;
  maxFiles: number;
  maxTotalBytes: number;
  /** Files and directories listed under the allowed directories (recursively), to find what the agent created. */
  maxTreeEntries: number;
}

/** Entries of node_modules and .git looked at after a failed run, at most (a stat each: about a second per 100 000). */
const CODE_CHECK_MAX_ENTRIES = 100_000;

export const DEFAULT_SNAPSHOT_LIMITS: SnapshotLimits = { maxFileBytes: 1024 * 1024, maxFiles: 2000, maxTotalBytes: 32 * 1024 * 1024, maxTreeEntries: 20_000 };

export interface SnapshotEntry {
  path: string;
  /** The file did not exist before the agent ran. */
  absent: boolean;
  sha256?: string;
  mode?: number;
  /** Its owner before the run (absent in snapshots before it was kept): a file put back keeps it. */
  uid?: number;
  gid?: number;
  size?: number;
  /** Name of the copy inside the before/ directory. */
  copy?: string;
  /** What the path itself was: a symbolic link to this (null: not a link). Absent in snapshots before it was kept. */
  link?: string | null;
  /** The real path of its directory before the run: a revert never writes through a link put on the way since. */
  realDir?: string;
}

/** The allowed directories as they were listed before the run (absent in snapshots of versions before it). */
export interface SnapshotTree {
  roots: string[];
  /** Never listed, never reverted: the service's log and Clawback's state. */
  excluded: string[];
  files: string[];
  dirs: string[];
  unlisted: string[];
  maxEntries: number;
  /** node_modules and .git directories left out of the copies: looked at for changes when reverting. */
  leftOutCode?: string[];
}

export interface FileSnapshot {
  dir: string;
  entries: SnapshotEntry[];
  /** Paths left out (too big, too many), for the report. */
  skipped: string[];
  /** Size and mtime of each skipped file: a change to one is reported, though it cannot be undone. */
  skippedStamps?: Record<string, string>;
  tree?: SnapshotTree;
  limits?: SnapshotLimits;
  /** When the snapshot was taken (epoch ms), just before the agent started. */
  takenAt?: number;
  /**
   * Mode and owner of each listed directory and of each named file's directory (absent in snapshots before it was
   * kept): a directory the run deleted comes back as it was (a 0700 credentials directory stays 0700).
   */
  dirs?: Record<string, DirMeta>;
}

export interface DirMeta {
  mode: number;
  uid: number;
  gid: number;
}

export interface FileChange {
  path: string;
  kind: 'modified' | 'created' | 'deleted';
  diff: string[];
  added: number;
  removed: number;
  /** Changed, but no pre-run copy exists (the file was over the snapshot's limits): a revert cannot undo it. */
  uncopied?: boolean;
}

function stamp(st: { size: number; mtimeMs: number }): string {
  return `stat:${st.size}:${Math.round(st.mtimeMs)}`;
}

/**
 * Saves the bytes of every file the agent may touch under dir: each allowed file (absent ones remembered as
 * absent), and every regular file under each allowed directory, recursively, shallow files first, within the
 * limits. The directories' listing is kept too, so the files the agent creates can be found and removed.
 * Symbolic links are never followed into directories; an allowed file that is a link is read through it.
 */
export async function takeSnapshot(allowed: string[], excluded: string[], dir: string, limits: SnapshotLimits = DEFAULT_SNAPSHOT_LIMITS): Promise<FileSnapshot> {
  await mkdirRecursive(dir, 0o700);
  // Second resolution of a file's mtime on some file systems: a change in the same second still counts.
  const takenAt = Math.floor(Date.now() / 1000) * 1000;
  const ex = excluded.map((x) => path.resolve(x));
  const named: string[] = [];
  const roots: string[] = [];
  for (const p of allowed.map((x) => path.resolve(x))) {
    if (isExcluded(p, ex)) continue;
    const st = await fs.stat(p).catch(() => undefined);
    if (st?.isDirectory()) {
      if (!roots.includes(p)) roots.push(p);
    } else if (!st || st.isFile()) named.push(p);
  }
  const tree = await listTree(roots, ex, limits.maxTreeEntries);
  const entries: SnapshotEntry[] = [];
  const skipped: string[] = [];
  const skippedStamps: Record<string, string> = {};
  const done = new Set<string>();
  let total = 0;
  const realDirs = new Map<string, string>();
  for (const file of [...named, ...tree.files]) {
    if (done.has(file)) continue;
    done.add(file);
    const st = await fs.stat(file).catch(() => undefined);
    const where = await placeOf(file, realDirs);
    if (!st) {
      if (named.includes(file)) entries.push({ path: file, absent: true, ...where });
      continue;
    }
    if (!st.isFile()) continue;
    if (entries.length >= limits.maxFiles || st.size > limits.maxFileBytes || total + st.size > limits.maxTotalBytes) {
      skipped.push(file);
      skippedStamps[file] = stamp(st);
      continue;
    }
    const bytes = await fs.readFile(file);
    total += bytes.length;
    const copy = `${entries.length}.snap`;
    // Not fsynced one by one (thousands of fsyncs would delay the agent by seconds): a revert checks each copy
    // against the sha256 in the manifest, which is written durably, and never puts back a damaged one.
    await writeFileAtomic(path.join(dir, copy), bytes, { mode: 0o600, durable: false });
    entries.push({ path: file, absent: false, sha256: sha256(bytes), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: bytes.length, copy, ...where });
  }
  const dirs: Record<string, DirMeta> = {};
  for (const d of new Set([...tree.dirs, ...entries.map((e) => path.dirname(e.path))])) {
    const st = await fs.stat(d).catch(() => undefined);
    if (st?.isDirectory()) dirs[d] = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  }
  const snap: FileSnapshot = {
    dir,
    entries,
    skipped,
    skippedStamps,
    tree: { roots, excluded: ex, files: tree.files, dirs: tree.dirs, unlisted: tree.unlisted, maxEntries: limits.maxTreeEntries, leftOutCode: tree.leftOutCode },
    limits,
    takenAt,
    dirs,
  };
  await writeFileAtomic(path.join(dir, 'manifest.json'), `${JSON.stringify(snap, null, 2)}\n`, { mode: 0o600 });
  return snap;
}

/** Whether a path is a symbolic link (and to what), and the real path of its directory (cached per directory). */
async function placeOf(file: string, realDirs: Map<string, string>): Promise<{ link: string | null; realDir?: string }> {
  const dir = path.dirname(file);
  if (!realDirs.has(dir)) realDirs.set(dir, await realPathOf(dir));
  const st = await fs.lstat(file).catch(() => undefined);
  return { link: st?.isSymbolicLink() ? await fs.readlink(file) : null, realDir: realDirs.get(dir) };
}

/** The real path of `p`, or of its nearest existing ancestor with the rest appended (a deleted directory). */
async function realPathOf(p: string): Promise<string> {
  let rest = '';
  let at = path.resolve(p);
  for (;;) {
    const real = await fs.realpath(at).catch(() => undefined);
    if (real !== undefined) return rest ? path.join(real, rest) : real;
    const up = path.dirname(at);
    if (up === at) return path.join(at, rest);
    rest = rest ? path.join(path.basename(at), rest) : path.basename(at);
    at = up;
  }
}

type LinkChange = { kind: 'dir-moved'; to: string } | { kind: 'link'; now: string | null };

/**
 * What the run made of an entry's path, beyond its bytes: a directory on the way that now leads elsewhere (a link
 * put in its place), or the path itself turned into a link (or re-pointed, or a user's link replaced by a file).
 * Undefined for a snapshot that did not record links (a version before it) and for an ordinary edit or deletion.
 */
async function linkChange(e: SnapshotEntry): Promise<LinkChange | undefined> {
  if (e.link === undefined) return undefined;
  if (e.realDir !== undefined) {
    const to = await realPathOf(path.dirname(e.path));
    if (to !== e.realDir) return { kind: 'dir-moved', to };
  }
  const st = await fs.lstat(e.path).catch(() => undefined);
  const now = st?.isSymbolicLink() ? await fs.readlink(e.path).catch(() => '') : null;
  return now === e.link ? undefined : { kind: 'link', now };
}

function linkText(c: LinkChange): string {
  if (c.kind === 'dir-moved') return `(its directory now leads to ${c.to}: a link was put on the way during the run)`;
  return c.now === null ? '(a symbolic link replaced by a file or removed)' : `(replaced by a symbolic link to ${c.now})`;
}

/** Files (and links) and directories under the snapshot's directories that were not there before the run. */
export async function createdSince(snap: FileSnapshot): Promise<{ files: string[]; dirs: string[]; truncated: boolean }> {
  const t = snap.tree;
  if (!t || t.roots.length === 0) return { files: [], dirs: [], truncated: false };
  const before = new Set(t.files);
  const beforeDirs = new Set(t.dirs);
  const unlisted = new Set(t.unlisted);
  // Twice the bound: the agent may have added as much again; a listing cut short is reported, never guessed at.
  const now = await listTree(t.roots, t.excluded, t.maxEntries * 2);
  const createdDirs = new Set<string>();
  // Breadth first: a directory's parent is decided before it. Created means under a directory listed whole before.
  const listedOrCreated = (d: string) => (beforeDirs.has(d) && !unlisted.has(d)) || createdDirs.has(d);
  for (const d of now.dirs) if (!beforeDirs.has(d) && listedOrCreated(path.dirname(d))) createdDirs.add(d);
  // Clawback's own files beside the config (validator candidates, repair locks) are left out by listTree itself.
  const files = now.files.filter((f) => !before.has(f) && listedOrCreated(path.dirname(f)));
  return { files, dirs: [...createdDirs], truncated: now.truncated };
}

/**
 * A file's bytes now, undefined when it is gone. What the run put in a file's place that is no regular file (a FIFO, a
 * link to /dev/zero) is never read: it stands as a line naming it, so it counts as a change and is put back.
 */
async function current(file: string): Promise<Buffer | undefined> {
  return readRegularFile(file).catch((e: unknown) => (e instanceof NotRegularFileError ? Buffer.from(`(${e.kind} in place of the file: not read)\n`) : undefined));
}

async function before(snap: FileSnapshot, e: SnapshotEntry): Promise<Buffer> {
  return fs.readFile(path.join(snap.dir, e.copy!));
}

function textDiff(a: Buffer, b: Buffer): { diff: string[]; added: number; removed: number } {
  if (a.includes(0) || b.includes(0)) return { diff: ['(binary file changed)'], added: 0, removed: 0 };
  const d = lineDiff(a.toString('utf8'), b.toString('utf8'), 12);
  return { diff: d.truncated ? [...d.lines, '…'] : d.lines, added: d.added, removed: d.removed };
}

/** The bytes of a file the agent created, for a diff or evidence; undefined when it is over the per-file limit. */
async function smallContent(snap: FileSnapshot, file: string): Promise<{ bytes?: Buffer; link?: string; size: number; mtimeMs: number } | undefined> {
  const st = await fs.lstat(file).catch(() => undefined);
  if (!st) return undefined;
  if (st.isSymbolicLink()) return { link: await fs.readlink(file).catch(() => ''), size: st.size, mtimeMs: st.mtimeMs };
  const max = snap.limits?.maxFileBytes ?? DEFAULT_SNAPSHOT_LIMITS.maxFileBytes;
  if (st.size > max) return { size: st.size, mtimeMs: st.mtimeMs };
  const bytes = await readRegularFile(file).catch(() => undefined);
  return bytes ? { bytes, size: st.size, mtimeMs: st.mtimeMs } : undefined;
}

/** What identifies a created file's content: its sha256, or its size and mtime when it is too big to read whole. */
function createdHash(c: { bytes?: Buffer; link?: string; size: number; mtimeMs: number }): string {
  if (c.link !== undefined) return `link:${c.link}`;
  return c.bytes ? sha256(c.bytes) : stamp(c);
}

const NO_COPY = '(no pre-run copy: the file was over the snapshot limits, so this change cannot be undone)';

/** Files over the copy limits that changed or went since the snapshot (by size and mtime): no revert can undo these. */
async function uncopiedChanges(snap: FileSnapshot): Promise<FileChange[]> {
  const out: FileChange[] = [];
  for (const [file, was] of Object.entries(snap.skippedStamps ?? {})) {
    const st = await fs.stat(file).catch(() => undefined);
    if (!st) out.push({ path: file, kind: 'deleted', diff: [NO_COPY], added: 0, removed: 0, uncopied: true });
    else if (stamp(st) !== was) out.push({ path: file, kind: 'modified', diff: [NO_COPY], added: 0, removed: 0, uncopied: true });
  }
  return out;
}

/**
 * What changed since the snapshot (diff lines are raw: redact before showing them anywhere). With `endHashes`, a
 * file that appeared after the agent ended is left out: it is not the run's.
 */
export async function changesSince(snap: FileSnapshot, endHashes?: Record<string, string | null>): Promise<FileChange[]> {
  const out: FileChange[] = [];
  for (const e of snap.entries) {
    // Never read through a link the run put in place: its target (another file, /etc/passwd) is not the service's.
    const moved = await linkChange(e);
    if (moved) {
      out.push({ path: e.path, kind: 'modified', diff: [linkText(moved)], added: 0, removed: 0 });
      continue;
    }
    const now = await current(e.path);
    if (e.absent) {
      if (now) out.push({ path: e.path, kind: 'created', ...textDiff(Buffer.alloc(0), now) });
      continue;
    }
    if (!now) {
      out.push({ path: e.path, kind: 'deleted', diff: [], added: 0, removed: 0 });
      continue;
    }
    if (sha256(now) !== e.sha256) out.push({ path: e.path, kind: 'modified', ...textDiff(await before(snap, e), now) });
    else {
      const meta = metaChange(e, await metaOf(e.path));
      if (meta) out.push({ path: e.path, kind: 'modified', diff: [meta], added: 0, removed: 0 });
    }
  }
  out.push(...(await uncopiedChanges(snap)));
  for (const [d, meta] of await dirMetaChanges(snap)) out.push({ path: d, kind: 'modified', diff: [meta.why], added: 0, removed: 0 });
  for (const file of (await createdSince(snap)).files) {
    const c = await smallContent(snap, file);
    if (!c || (endHashes && !Object.hasOwn(endHashes, file))) continue;
    if (c.link !== undefined) out.push({ path: file, kind: 'created', diff: [`(symbolic link to ${c.link})`], added: 0, removed: 0 });
    else if (!c.bytes) out.push({ path: file, kind: 'created', diff: [`(large file: ${c.size} bytes)`], added: 0, removed: 0 });
    else out.push({ path: file, kind: 'created', ...textDiff(Buffer.alloc(0), c.bytes) });
  }
  return out;
}

/** A fingerprint of each snapshotted and each created file as it is now (null: absent), taken when the agent ends. */
export async function fileHashes(snap: FileSnapshot): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const e of snap.entries) {
    const now = await current(e.path);
    out[e.path] = now ? sha256(now) : null;
  }
  for (const file of (await createdSince(snap)).files) {
    const c = await smallContent(snap, file);
    if (c) out[file] = createdHash(c);
  }
  return out;
}

/** A file's permission bits and owner (through a link, as the snapshot took them), or undefined when it is gone. */
async function metaOf(file: string): Promise<{ mode: number; owner: string } | undefined> {
  return fs.stat(file).then((st) => ({ mode: st.mode & 0o7777, owner: `${st.uid}:${st.gid}` }), () => undefined);
}

async function modeOf(file: string): Promise<number | undefined> {
  return (await metaOf(file))?.mode;
}

function ownerOfEntry(e: SnapshotEntry): string | undefined {
  return e.uid !== undefined && e.gid !== undefined ? `${e.uid}:${e.gid}` : undefined;
}

function modeText(was: number, now: number): string {
  return `(mode ${was.toString(8).padStart(4, '0')} -> ${now.toString(8).padStart(4, '0')})`;
}

/** What changed of a file whose bytes did not (a chmod, a chown), as one line; undefined when nothing did. */
function metaChange(e: SnapshotEntry, now: { mode: number; owner: string } | undefined): string | undefined {
  if (!now) return undefined;
  const was = ownerOfEntry(e);
  const parts: string[] = [];
  if (e.mode !== undefined && now.mode !== e.mode) parts.push(modeText(e.mode, now.mode).slice(1, -1));
  if (was !== undefined && now.owner !== was) parts.push(`owner ${was} -> ${now.owner}`);
  return parts.length > 0 ? `(${parts.join(', ')})` : undefined;
}

/**
 * Creates the directories missing above a file being put back, top down, each with the mode and owner it had before
 * the run (made 0700 first, so it is never more open than that on the way); one not recorded gets the umask's.
 */
async function makeParents(dir: string, was: Record<string, DirMeta> | undefined): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; !(await fs.lstat(d).then(() => true, () => false)); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    const meta = was?.[d];
    const made = await fs.mkdir(d, meta ? { mode: 0o700 } : {}).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') return false;
        throw err;
      },
    );
    if (!made || !meta) continue;
    const owner = ownerToGive({ uid: meta.uid, gid: meta.gid });
    if (owner) await fs.chown(d, owner.uid, owner.gid).catch(() => undefined);
    await fs.chmod(d, meta.mode);
  }
}

/** The permission bits of each snapshotted file and directory as the agent left them: a mode changed after that is not the run's. */
export async function fileModes(snap: FileSnapshot): Promise<Record<string, number | null>> {
  const out: Record<string, number | null> = {};
  for (const e of snap.entries) if (!e.absent) out[e.path] = (await modeOf(e.path)) ?? null;
  for (const d of Object.keys(snap.dirs ?? {})) out[d] = (await dirMetaOf(d))?.mode ?? null;
  return out;
}

/** The owner (`uid:gid`) of each snapshotted file and directory as the agent left them: a chown after that is not the run's. */
export async function fileOwners(snap: FileSnapshot): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const e of snap.entries) if (!e.absent) out[e.path] = (await metaOf(e.path))?.owner ?? null;
  for (const d of Object.keys(snap.dirs ?? {})) out[d] = (await dirMetaOf(d))?.owner ?? null;
  return out;
}

/** A directory's own permission bits and owner (never through a link put in its place), or undefined when it is no directory now. */
async function dirMetaOf(d: string): Promise<{ mode: number; owner: string } | undefined> {
  const st = await fs.lstat(d).catch(() => undefined);
  return st?.isDirectory() ? { mode: st.mode & 0o7777, owner: `${st.uid}:${st.gid}` } : undefined;
}

/**
 * The snapshotted directories still in place whose mode or owner differs from before the run (a 0700 credentials
 * directory made 0777, the working directory chowned), each with its meta now and the change as one line.
 */
async function dirMetaChanges(snap: FileSnapshot): Promise<Array<[string, { mode: number; owner: string; why: string }]>> {
  const out: Array<[string, { mode: number; owner: string; why: string }]> = [];
  for (const [d, was] of Object.entries(snap.dirs ?? {})) {
    const now = await dirMetaOf(d);
    const why = metaChange({ path: d, absent: false, mode: was.mode, uid: was.uid, gid: was.gid }, now);
    if (now && why) out.push([d, { ...now, why }]);
  }
  return out;
}

/** Saves bytes as `<key>.agent` (or `<key>.<n>.agent` when an earlier, different copy is there): never overwrites evidence. */
async function saveEvidence(dir: string, key: string, bytes: Buffer): Promise<string> {
  for (let n = 0; n < 100; n++) {
    const name = n === 0 ? `${key}.agent` : `${key}.${n}.agent`;
    const there = await current(path.join(dir, name));
    if (there && sha256(there) === sha256(bytes)) return name;
    if (!there) {
      await writeFileAtomic(path.join(dir, name), bytes, { mode: 0o600 });
      return name;
    }
  }
  throw new Error(`too many evidence copies of file ${key} in ${dir}`);
}

export interface RevertReport {
  /** Put back to their pre-run bytes, or removed (created by the agent). */
  reverted: string[];
  /** Changed after the agent ended (by someone else): left as they are, reported. */
  keptChangedAfterAgent: string[];
  /** Changed by the run but left as they are, each with why (no pre-run copy, too big to keep as evidence). */
  notReverted: Array<{ path: string; why: string }>;
  /** Directories the agent created, removed once empty. */
  removedDirs: string[];
  /** Put back with the protected settings it held at the revert (changed during the run, maybe by a person): path -> carried paths. */
  carriedProtected?: Record<string, string[]>;
  /** Where the replaced (and the kept) contents were saved, 0600. */
  evidenceDir: string;
}

type EvidenceRecord = { path: string; copy: string | null; sha256: string | null; action: 'reverted' | 'kept' | 'not-reverted'; why?: string };

/** A later run found this file otherwise than it is now: changed after the run (by that run, kept), not the run's to put back. */
function changedSinceLeft(left: Record<string, string | null> | undefined, file: string, hash: string | null): boolean {
  return left !== undefined && Object.hasOwn(left, file) && left[file] !== hash;
}

/**
 * Puts every changed file back to its saved bytes (atomically, with its mode; a linked file at its target, the
 * link kept) and removes the files the agent created. The current content of each is saved under afterDir first:
 * evidence is never deleted. With `endHashes` (taken when the agent ended), a file whose content changed since
 * then was someone else's doing: it is never replaced or removed; one that appeared since then is not looked at.
 */
export async function revertSnapshot(
  snap: FileSnapshot,
  afterDir: string,
  endHashes?: Record<string, string | null>,
  opts: {
    runner?: CommandRunner;
    writers?: typeof openWriters;
    endModes?: Record<string, number | null>;
    endOwners?: Record<string, string | null>;
    keepProtected?: KeepProtected;
    /** Without endHashes (the run's daemon died): what the run left of some files, as a later run found them (later-snapshots.ts); one changed since is kept. */
    leftHashes?: Record<string, string | null>;
  } = {},
): Promise<RevertReport> {
  const reverted: string[] = [];
  const carriedProtected: Record<string, string[]> = {};
  const kept: string[] = [];
  const notReverted: Array<{ path: string; why: string }> = [];
  const evidence: EvidenceRecord[] = [];
  await mkdirRecursive(afterDir, 0o700);
  const created = await createdSince(snap);
  // A file a live process holds open for writing is that process's (the service's database, say): replacing
  // or removing it would lose what it writes, and it would go on writing to the old file.
  const present: string[] = [];
  for (const e of snap.entries) if (await fs.lstat(e.path).then(() => true, () => false)) present.push(e.path);
  const writers = await (opts.writers ?? openWriters)([...present, ...created.files], opts.runner);
  // A change left as it is: reported with why, and recorded with the evidence.
  const leave = (file: string, why: string, copy: string | null, hash: string | null): void => {
    notReverted.push({ path: file, why });
    evidence.push({ path: file, copy, sha256: hash, action: 'not-reverted', why });
  };
  const heldOpen = (file: string, copy: string | null, hash: string | null): boolean => {
    const w = writers.get(file);
    if (w) leave(file, `(open for writing by pid ${w.pid}, ${w.command}: a running process writes it, so it is left as it is)`, copy, hash);
    return w !== undefined;
  };
  const limits = snap.limits ?? DEFAULT_SNAPSHOT_LIMITS;
  const removedDirs: string[] = [];
  // A directory's own chmod or chown (a credentials directory opened to everyone): put back like a file's, and first:
  // a directory the run made 0000 would keep the files under it from being put back.
  for (const [d, now] of await dirMetaChanges(snap)) {
    const was = snap.dirs![d]!;
    const endMode = opts.endModes?.[d];
    const endOwner = opts.endOwners?.[d];
    if ((endMode !== undefined && endMode !== now.mode) || (endOwner !== undefined && endOwner !== now.owner)) {
      kept.push(d);
      evidence.push({ path: d, copy: null, sha256: null, action: 'kept', why: now.why });
      continue;
    }
    try {
      if (now.owner !== `${was.uid}:${was.gid}`) await fs.chown(d, was.uid, was.gid);
      await fs.chmod(d, was.mode);
    } catch (err) {
      leave(d, `(its ${now.why.slice(1, -1)} could not be put back: ${(err as Error).message})`, null, null);
      continue;
    }
    reverted.push(d);
    evidence.push({ path: d, copy: null, sha256: null, action: 'reverted', why: now.why });
  }
  // Created first: a link the run put in place of a directory is removed before the files under it are put back.
  let evidenceBytes = 0;
  for (const [k, file] of created.files.entries()) {
    const c = await smallContent(snap, file);
    if (!c) continue;
    // Appeared after the agent ended (the service's own output during the verification): not the run's.
    if (endHashes && !Object.hasOwn(endHashes, file)) continue;
    const hash = createdHash(c);
    if ((endHashes && endHashes[file] !== hash) || changedSinceLeft(opts.leftHashes, file, hash)) {
      kept.push(file);
      evidence.push({ path: file, copy: null, sha256: hash, action: 'kept' });
      continue;
    }
    if (heldOpen(file, null, hash)) continue;
    const bytes = c.link !== undefined ? Buffer.from(`symbolic link to ${c.link}\n`) : c.bytes;
    if (!bytes) {
      // Over the per-file limit: the run's own file (a filler that took the disk, a dump), not a person's. Left in
      // place it would keep the disk full and the revert from writing; it goes, its size and stamp kept as the record.
      await fs.rm(file, { force: true });
      reverted.push(file);
      evidence.push({ path: file, copy: null, sha256: hash, action: 'reverted', why: `(created by the run, ${c.size} bytes: over the ${limits.maxFileBytes}-byte evidence limit, removed without a copy)` });
      continue;
    }
    if (k >= limits.maxFiles || evidenceBytes + bytes.length > limits.maxTotalBytes) {
      leave(file, '(created by the run, left in place: too big to keep as evidence before removing it)', null, hash);
      continue;
    }
    evidenceBytes += bytes.length;
    const copy = await saveEvidence(afterDir, `created-${k}`, bytes);
    await fs.rm(file, { force: true });
    reverted.push(file);
    evidence.push({ path: file, copy, sha256: hash, action: 'reverted' });
  }
  for (const [i, e] of snap.entries.entries()) {
    const moved = await linkChange(e);
    const now = await current(e.path);
    const changed = moved !== undefined || (e.absent ? now !== undefined : !now || sha256(now) !== e.sha256);
    // Same bytes, other permissions or owner (a secret config made world-readable, a script no longer executable,
    // a config chowned to root that the service's user can no longer read).
    const metaNow = !changed && now ? await metaOf(e.path) : undefined;
    const why = metaChange(e, metaNow);
    if (metaNow && why) {
      const endMode = opts.endModes?.[e.path];
      const endOwner = opts.endOwners?.[e.path];
      if ((endMode !== undefined && endMode !== metaNow.mode) || (endOwner !== undefined && endOwner !== metaNow.owner)) {
        // Changed after the agent ended: someone else's chmod or chown, left as it is.
        kept.push(e.path);
        evidence.push({ path: e.path, copy: null, sha256: e.sha256 ?? null, action: 'kept', why });
      } else if (!heldOpen(e.path, null, e.sha256 ?? null)) {
        // Owner first: a chown clears set-id bits, which the chmod then puts back as they were.
        if (e.uid !== undefined && e.gid !== undefined && metaNow.owner !== ownerOfEntry(e)) await fs.chown(e.path, e.uid, e.gid);
        if (e.mode !== undefined) await fs.chmod(e.path, e.mode);
        reverted.push(e.path);
        evidence.push({ path: e.path, copy: null, sha256: e.sha256 ?? null, action: 'reverted', why });
      }
      continue;
    }
    if (!changed) continue;
    const hash = now ? sha256(now) : null;
    // A link the run put in place is kept as evidence as a link: what it points at is not the service's to copy.
    const saved = moved?.kind === 'link' && moved.now !== null ? Buffer.from(`symbolic link to ${moved.now}\n`) : now;
    const copy = saved ? await saveEvidence(afterDir, String(i), saved) : null;
    if ((endHashes && Object.hasOwn(endHashes, e.path) && endHashes[e.path] !== hash) || changedSinceLeft(opts.leftHashes, e.path, hash)) {
      kept.push(e.path);
      evidence.push({ path: e.path, copy, sha256: hash, action: 'kept' });
      continue;
    }
    if (heldOpen(e.path, copy, hash)) continue;
    if (moved?.kind === 'dir-moved') {
      // Writing there would write wherever the link leads (outside the service, /etc): never.
      leave(e.path, `${linkText(moved)}: not written through it`, copy, hash);
      continue;
    }
    // A directory the run put in the file's place: removed once the run's files in it are (above); one holding anything
    // else is left, and the file not put back over it.
    if (moved?.kind !== 'link' && (await fs.lstat(e.path).then((st) => st.isDirectory(), () => false))) {
      if (!created.dirs.includes(e.path) || !(await fs.rmdir(e.path).then(() => true, () => false))) {
        leave(e.path, '(a directory was put in its place and still holds files: the file is not put back over it)', copy, hash);
        continue;
      }
      removedDirs.push(e.path);
    }
    try {
      if (moved?.kind === 'link') {
        // The path itself is put back as it was: the run's link removed (never its target), the user's link restored.
        await fs.rm(e.path, { force: true });
        if (e.link) await fs.symlink(e.link, e.path);
      }
      // Through the user's own symbolic link to its target: the link stays. A path that was no link is written itself.
      const target = e.link === null ? e.path : await fs.realpath(e.path).catch(() => e.path);
      if (e.absent) await fs.rm(target, { force: true });
      else {
        const was = await before(snap, e).catch(() => undefined);
        if (!was || sha256(was) !== e.sha256) {
          leave(e.path, '(its pre-run copy is missing or damaged, e.g. by a power cut during the run: not put back)', copy, hash);
          continue;
        }
        await makeParents(path.dirname(target), snap.dirs);
        const owner = e.uid !== undefined && e.gid !== undefined ? { uid: e.uid, gid: e.gid } : undefined;
        // A file with other names (hard links) that the run edited in place is written in place (a rename would put back
        // this name only); both versions are kept (before/, evidence).
        // The config's protected settings stay as they are now: who changed them during the run cannot be told.
        const put = opts.keepProtected && opts.keepProtected.path === e.path ? withCurrentProtected(was, now, opts.keepProtected) : { bytes: was, carried: [] };
        if (put.carried.length > 0) carriedProtected[e.path] = put.carried;
        await putBackBytes(target, put.bytes, { mode: e.mode, owner });
      }
    } catch (err) {
      // One file that cannot be put back never stops the others, nor the report of what was done.
      leave(e.path, `(could not be put back: ${(err as Error).message})`, copy, hash);
      continue;
    }
    reverted.push(e.path);
    evidence.push({ path: e.path, copy, sha256: hash, action: 'reverted' });
  }
  for (const c of await uncopiedChanges(snap)) leave(c.path, NO_COPY, null, null);
  // Code the copies leave out (node_modules, git hooks): a change there is named, since it cannot be put back.
  if (snap.takenAt !== undefined && snap.tree?.leftOutCode?.length) {
    const code = await codeChangedSince(snap.tree.leftOutCode, snap.takenAt, CODE_CHECK_MAX_ENTRIES);
    for (const f of code.files) leave(f, '(under node_modules/ or .git/, which are not copied before a run: changed during the run, not put back)', null, null);
    if (code.truncated) leave(snap.tree.leftOutCode.join(', '), `(not copied before a run, and too large to check all for changes: looked at ${CODE_CHECK_MAX_ENTRIES} entries or found 50 changes)`, null, null);
  }
  for (const d of [...created.dirs].reverse()) {
    // Only an empty one: a directory holding anything kept (or anything not looked at) stays.
    if (await fs.rmdir(d).then(() => true, () => false)) removedDirs.push(d);
  }
  if (created.truncated) {
    const why = `the listing after the run stopped at ${snap.tree!.maxEntries * 2} entries: files created beyond it were not looked for`;
    notReverted.push({ path: snap.tree!.roots.join(', '), why });
  }
  // A revert done again (after a daemon restart) adds to the record of the first; it never erases it.
  const manifest = path.join(afterDir, 'manifest.json');
  const earlier = await fs.readFile(manifest, 'utf8').then((t) => JSON.parse(t) as { evidence?: EvidenceRecord[]; removedDirs?: string[] }, () => ({ evidence: [] as EvidenceRecord[], removedDirs: [] as string[] }));
  const all = [...(earlier.evidence ?? []), ...evidence];
  await writeFileAtomic(
    manifest,
    `${JSON.stringify(
      {
        reverted: [...new Set(all.filter((x) => x.action === 'reverted').map((x) => x.path))],
        keptChangedAfterAgent: [...new Set(all.filter((x) => x.action === 'kept').map((x) => x.path))],
        notReverted: [...new Set(all.filter((x) => x.action === 'not-reverted').map((x) => x.path))],
        removedDirs: [...new Set([...(earlier.removedDirs ?? []), ...removedDirs])],
        ...(Object.keys(carriedProtected).length > 0 ? { carriedProtected } : {}),
        evidence: all,
        entries: snap.entries,
      },
      null,
      2,
    )}\n`,
    { mode: 0o600 },
  );
  return { reverted, keptChangedAfterAgent: kept, notReverted, removedDirs, evidenceDir: afterDir, ...(Object.keys(carriedProtected).length > 0 ? { carriedProtected } : {}) };
}
