// A file with more than one name (hard links) cannot be replaced by rename without splitting it: the new file gets
// one name, the others keep the old inode and its bytes. Writers of a user's file ask here first.
import { promises as fs, closeSync, fchmodSync, fchownSync, fstatSync, fsyncSync, ftruncateSync, openSync, statSync, writeSync } from 'node:fs';
import { ShortWriteError, writeFileAtomic, writeFileAtomicSync, type FileOwner } from './atomic-write.js';
import { copyFileAtomic, copyInto, hashFile } from './stream-copy.js';

/** Why `file` cannot be replaced by rename (it has other names), or undefined when it can (or is not there). */
export async function hardLinkBlock(file: string): Promise<string | undefined> {
  const st = await fs.stat(file).catch(() => undefined);
  return st?.isFile() && st.nlink > 1 ? hardLinkText(file, st.nlink) : undefined;
}

export function hardLinkText(file: string, nlink: number): string {
  return `${file} has ${nlink} hard links: a repair replaces the file, which would leave its other names with the old bytes; change it at its source (or make the other names symbolic links)`;
}

/**
 * The owner and mode an in-place put-back must still set: only what differs. The inode kept its owner and mode, and a
 * chown/chmod to the same values by a daemon that is not the owner (nor root) fails with EPERM after the bytes are back.
 */
function stillToSet(st: { uid: number; gid: number; mode: number }, want: { mode?: number | undefined; owner?: FileOwner | undefined }): { owner?: FileOwner; mode?: number } {
  return {
    ...(want.owner && (st.uid !== want.owner.uid || st.gid !== want.owner.gid) ? { owner: want.owner } : {}),
    ...(want.mode !== undefined && (st.mode & 0o7777) !== want.mode ? { mode: want.mode } : {}),
  };
}

/**
 * Writes bytes into the file itself (same inode: every name sees them), then its owner and mode. Not atomic: a crash
 * mid-write leaves a torn file, so callers keep both the old and the new bytes elsewhere first.
 */
export async function overwriteInPlace(file: string, bytes: Buffer, opts: { mode?: number | undefined; owner?: FileOwner | undefined } = {}): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    let off = 0;
    while (off < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, off, bytes.length - off, off);
      if (bytesWritten <= 0) throw new ShortWriteError(file, off, bytes.length);
      off += bytesWritten;
    }
    await handle.truncate(bytes.length);
    await syncAndSet(handle, opts);
  } finally {
    await handle.close();
  }
}

/** A file written in place: flushed to disk, then its owner and mode set where they differ. */
async function syncAndSet(handle: fs.FileHandle, opts: { mode?: number | undefined; owner?: FileOwner | undefined }): Promise<void> {
  await handle.sync();
  const fix = stillToSet(await handle.stat(), opts);
  if (fix.owner) await handle.chown(fix.owner.uid, fix.owner.gid);
  if (fix.mode !== undefined) await handle.chmod(fix.mode);
}

/**
 * Puts bytes back into a user's file (a rollback, whose before-copy and undone bytes the caller kept): a file with other
 * names (hard links) is written in place, so every name has them again; any other file is replaced atomically. The mode
 * is set exactly, whatever the daemon's umask.
 */
export async function putBackBytes(file: string, bytes: Buffer, opts: { mode?: number | undefined; owner?: FileOwner | undefined }): Promise<void> {
  const names = await fs.stat(file).then((st) => (st.isFile() ? st.nlink : 1), () => 1);
  if (names > 1) return overwriteInPlace(file, bytes, opts);
  await writeFileAtomic(file, bytes, { mode: opts.mode, ...(opts.owner ? { owner: opts.owner } : {}) });
  if (opts.mode !== undefined) await fs.chmod(file, opts.mode);
}

/**
 * putBackBytes from a file (a backup copy), a chunk at a time: a state database of GiBs is never held in memory. The
 * copy must have `sha256` when given (checked before anything is replaced: a damaged backup copy is not put back).
 */
export async function putBackFile(file: string, src: string, opts: { mode?: number | undefined; owner?: FileOwner | undefined; sha256?: string | undefined }): Promise<void> {
  const names = await fs.stat(file).then((st) => (st.isFile() ? st.nlink : 1), () => 1);
  if (names <= 1) {
    await copyFileAtomic(src, file, opts);
    return;
  }
  if (opts.sha256 !== undefined) {
    const have = await hashFile(src);
    if (have?.sha256 !== opts.sha256) throw new Error(`${src} is not the copy the backup recorded: ${file} not rewritten`);
  }
  const handle = await fs.open(file, 'r+');
  try {
    await copyInto(src, handle, file, false);
    await syncAndSet(handle, opts);
  } finally {
    await handle.close();
  }
}

/** putBackBytes, synchronously: for a put-back that must finish inside a signal handler (the drill's file guard). */
export function putBackBytesSync(file: string, bytes: Buffer, opts: { mode?: number | undefined; owner?: FileOwner | undefined }): void {
  let names = 1;
  try {
    const st = statSync(file);
    if (st.isFile()) names = st.nlink;
  } catch {
    // missing: written new
  }
  if (names <= 1) {
    writeFileAtomicSync(file, bytes, { ...(opts.mode !== undefined ? { mode: opts.mode } : {}), ...(opts.owner ? { owner: opts.owner } : {}) });
    if (opts.mode !== undefined) fchmodPath(file, opts.mode);
    return;
  }
  const fd = openSync(file, 'r+');
  try {
    let off = 0;
    while (off < bytes.length) {
      const n = writeSync(fd, bytes, off, bytes.length - off, off);
      if (n <= 0) throw new ShortWriteError(file, off, bytes.length);
      off += n;
    }
    ftruncateSync(fd, bytes.length);
    fsyncSync(fd);
    const fix = stillToSet(fstatSync(fd), opts);
    if (fix.owner) fchownSync(fd, fix.owner.uid, fix.owner.gid);
    if (fix.mode !== undefined) fchmodSync(fd, fix.mode);
  } finally {
    closeSync(fd);
  }
}

/** The exact mode, whatever the umask did to the temp file. */
function fchmodPath(file: string, mode: number): void {
  const fd = openSync(file, 'r');
  try {
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}
