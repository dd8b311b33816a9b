// Files that must survive a crash mid-write: temp file, every byte written and checked, fsync, rename, fsync of the directory.
// A failed write (full disk, I/O error, short write) throws and leaves the old file untouched and no temp file behind.
import { promises as fs, openSync, writeSync, writeFileSync, fsyncSync, fstatSync, fchownSync, closeSync, readdirSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface AtomicWriteOptions {
  mode?: number;
  /**
   * Default true: fsync the file and its directory, so the new content survives a power cut. false keeps the
   * atomic replace (a reader sees the old file or the new one, never a mix) without the two fsyncs, for a file
   * rewritten every few seconds whose loss costs nothing (the heartbeat): each fsync forces a journal commit.
   */
  durable?: boolean;
  /**
   * Give the new file this owner before it replaces the old one (a config the service user owns, written by a daemon
   * running as root, must stay readable by the service). A chown the system refuses throws, and nothing is replaced.
   */
  owner?: FileOwner;
}

export interface FileOwner {
  uid: number;
  gid: number;
}

/**
 * The recorded owner of a file being put back, when this process may give it: root gives any owner; another user its
 * own uid with one of its own groups (what chown allows it). Otherwise undefined: the file stays the daemon's, as
 * before owners were recorded, rather than the restore failing on EPERM after the bytes were judged right.
 */
export function ownerToGive(owner: FileOwner | undefined, uid: number | undefined = process.getuid?.(), groups: readonly number[] = ownGroups()): FileOwner | undefined {
  if (!owner || uid === undefined) return undefined;
  return uid === 0 || (owner.uid === uid && groups.includes(owner.gid)) ? owner : undefined;
}

function ownGroups(): number[] {
  const gid = process.getgid?.();
  return [...(gid === undefined ? [] : [gid]), ...(process.getgroups?.() ?? [])];
}

/** The disk took fewer bytes than were written (a write that returned 0, or a file whose size is wrong after fsync). */
export class ShortWriteError extends Error {
  readonly code = 'ESHORTWRITE';
  constructor(
    readonly file: string,
    readonly written: number,
    readonly expected: number,
  ) {
    super(`short write to ${file}: ${written} of ${expected} bytes reached the disk`);
    this.name = 'ShortWriteError';
  }
}

/** Temp files are dot-files beside the target, named `.<base>.<pid>.<random>.tmp`. */
export function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the temp file at `full` (named by tempName) was left by a writer that is gone: its pid is not running, or is
 * this process's own but the file predates this process (a restarted daemon given the same pid, as in a container).
 * A temp of a live writer (another process, or a write of this one still under way) is not. A name without a pid (not
 * made by tempName) has no owner to ask: gone. Never throws.
 */
export function tempWriterGone(full: string, ownStartMs: number = Date.now() - process.uptime() * 1000): boolean {
  const m = /\.(\d+)\.[0-9a-f]+\.tmp$/.exec(path.basename(full));
  if (!m) return true;
  const pid = Number(m[1]);
  if (pid !== process.pid) return !pidAlive(pid);
  try {
    return statSync(full).mtimeMs < ownStartMs - 1000;
  } catch {
    return false; // gone already: nothing to remove
  }
}

/**
 * Removes temp files of `file` left by writers that died mid-write (tempWriterGone); returns how many.
 * Temp files of live processes (this one's writes under way included) are left alone. Never throws.
 */
export function removeStaleTemps(file: string): number {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
    if (!m) continue;
    if (!tempWriterGone(path.join(dir, name))) continue;
    try {
      rmSync(path.join(dir, name), { force: true });
      removed++;
    } catch {
      // Best effort: a temp file we cannot remove harms nothing but space.
    }
  }
  return removed;
}

/**
 * A write or fsync refused (ENOSPC, EIO) names no file: "cannot write: no space left" left the person guessing which
 * file (and so which disk). The file being replaced is given as the error's path when it has none.
 */
export function namingFile(err: unknown, file: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof Error && typeof e.code === 'string' && e.path === undefined) e.path = file;
  return err;
}

function toBuffer(data: string | Uint8Array): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function checkSize(tmp: string, stat: Pick<Stats, 'size'>, expected: number): void {
  if (stat.size !== expected) throw new ShortWriteError(tmp, stat.size, expected);
}

/**
 * Creates `file` (O_EXCL) with `data`. A disk that creates the file and refuses its bytes (full: ENOSPC, EDQUOT, EIO)
 * left an empty or cut file behind, one more per attempt (a lock's "copy", an agent's env file); that file is removed
 * again before the error is thrown. EEXIST (a file of that name already there, someone else's) removes nothing.
 */
export async function writeNewFile(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  try {
    await fs.writeFile(file, data, { mode, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await fs.rm(file, { force: true }).catch(() => undefined);
    throw namingFile(err, file);
  }
}

/** writeNewFile, synchronously (a lock's draft, written where nothing may be awaited). */
export function writeNewFileSync(file: string, data: string | Uint8Array, mode = 0o600): void {
  try {
    writeFileSync(file, data, { mode, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') rmSync(file, { force: true });
    throw namingFile(err, file);
  }
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomicIf(file, data, opts, async () => true);
}

/**
 * writeFileAtomic, asking `stillSo` once the temp file is written, synced and owned, right before the rename: false
 * leaves the target as it is (the temp file removed) and returns false. A check made before the write left the whole
 * write and fsync of the temp file (seconds on a slow disk) for a person's save to land in and be renamed over.
 */
export async function writeFileAtomicIf(file: string, data: string | Uint8Array, opts: AtomicWriteOptions, stillSo: () => Promise<boolean>): Promise<boolean> {
  const durable = opts.durable ?? true;
  const buf = toBuffer(data);
  const tmp = tempName(file);
  let created = false;
  try {
    const handle = await fs.open(tmp, 'w', opts.mode ?? 0o600);
    created = true;
    try {
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await handle.write(buf, off, buf.length - off);
        if (bytesWritten <= 0) throw new ShortWriteError(tmp, off, buf.length);
        off += bytesWritten;
      }
      if (durable) {
        await handle.sync();
        checkSize(tmp, await handle.stat(), buf.length);
      }
      if (opts.owner) await giveOwner(handle, tmp, opts.owner);
    } finally {
      await handle.close();
    }
    if (!(await stillSo())) {
      await fs.rm(tmp, { force: true });
      created = false;
      return false;
    }
    await fs.rename(tmp, file);
    created = false;
  } catch (err) {
    if (created) await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw namingFile(err, file);
  }
  if (durable) await syncDir(path.dirname(file));
  return true;
}

export function writeFileAtomicSync(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  // `durable: false` was ignored here: every outbox spool and delivery mark fsynced twice on the event loop.
  const durable = opts.durable ?? true;
  const buf = toBuffer(data);
  const tmp = tempName(file);
  let created = false;
  try {
    const fd = openSync(tmp, 'w', opts.mode ?? 0o600);
    created = true;
    try {
      let off = 0;
      while (off < buf.length) {
        const n = writeSync(fd, buf, off, buf.length - off);
        if (n <= 0) throw new ShortWriteError(tmp, off, buf.length);
        off += n;
      }
      if (durable) {
        fsyncSync(fd);
        checkSize(tmp, fstatSync(fd), buf.length);
      }
      if (opts.owner) giveOwnerSync(fd, tmp, opts.owner);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    created = false;
  } catch (err) {
    if (created) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // Nothing more to do: the original error is the one that matters.
      }
    }
    throw namingFile(err, file);
  }
  if (durable) syncDirSync(path.dirname(file));
}

/** chown of the temp file, only when it differs (a user who is not root may still keep their own file's group). */
export async function giveOwner(handle: fs.FileHandle, tmp: string, owner: FileOwner): Promise<void> {
  const st = await handle.stat();
  if (st.uid === owner.uid && st.gid === owner.gid) return;
  try {
    await handle.chown(owner.uid, owner.gid);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw Object.assign(new Error(`cannot give ${tmp} the owner of the file it replaces (uid ${owner.uid}, gid ${owner.gid}): ${e.code ?? e.message}; nothing replaced`), { code: e.code });
  }
}

/** giveOwner for the synchronous writer (a signal handler's put-back). */
function giveOwnerSync(fd: number, tmp: string, owner: FileOwner): void {
  const st = fstatSync(fd);
  if (st.uid === owner.uid && st.gid === owner.gid) return;
  try {
    fchownSync(fd, owner.uid, owner.gid);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw Object.assign(new Error(`cannot give ${tmp} the owner of the file it replaces (uid ${owner.uid}, gid ${owner.gid}): ${e.code ?? e.message}; nothing replaced`), { code: e.code });
  }
}

export async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  }
}

function syncDirSync(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // As above: best effort.
  }
}
