// Copies a file of any size in bounded memory, keeping its holes: a state database of GiBs read whole cost its size in
// daemon RSS, and a sparse one written out in full filled the disk with zeros.
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ShortWriteError, giveOwner, namingFile, syncDir, tempName, type FileOwner } from './atomic-write.js';

/** Bytes read and written at a time: the whole memory a copy costs (with a buffer of zeros as large). */
const CHUNK = 1024 * 1024;

export interface CopiedFile {
  bytes: number;
  sha256: string;
}

/**
 * The sha256 and length of a file, read a chunk at a time (through a symbolic link). undefined when it does not exist;
 * any other error (EACCES, EIO) is the caller's.
 */
export async function hashFile(file: string): Promise<CopiedFile | undefined> {
  let input: fs.FileHandle;
  try {
    input = await fs.open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  try {
    for (;;) {
      const { bytesRead } = await input.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await input.close();
  }
  return { bytes: pos, sha256: hash.digest('hex') };
}

/**
 * Copies `src` into the open `out` from offset 0 and cuts `out` to its length. With `holes`, a chunk of zeros is not
 * written (a hole in a new file reads as zeros, and takes no disk); without (a file written in place, whose old bytes
 * are there), every chunk is.
 */
export async function copyInto(src: string, out: fs.FileHandle, outName: string, holes: boolean): Promise<CopiedFile> {
  const input = await fs.open(src, 'r');
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  const zeros = holes ? Buffer.alloc(CHUNK) : undefined;
  let pos = 0;
  try {
    for (;;) {
      const { bytesRead } = await input.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      hash.update(chunk);
      if (!zeros || !chunk.equals(zeros.subarray(0, bytesRead))) {
        let off = 0;
        while (off < bytesRead) {
          const { bytesWritten } = await out.write(chunk, off, bytesRead - off, pos + off);
          if (bytesWritten <= 0) throw new ShortWriteError(outName, pos + off, pos + bytesRead);
          off += bytesWritten;
        }
      }
      pos += bytesRead;
    }
  } finally {
    await input.close();
  }
  await out.truncate(pos);
  return { bytes: pos, sha256: hash.digest('hex') };
}

export interface CopyAtomicOptions {
  mode?: number | undefined;
  owner?: FileOwner | undefined;
  /** The copy must have this sha256 (a backup copy put back): otherwise nothing is replaced and it throws. */
  sha256?: string | undefined;
}

/**
 * `src` copied to `dst` as writeFileAtomic writes: a temp file beside it, fsync, size checked, owner given, rename,
 * fsync of the directory. A failed copy (full disk, I/O error, wrong checksum) leaves `dst` untouched and no temp file.
 */
export async function copyFileAtomic(src: string, dst: string, opts: CopyAtomicOptions = {}): Promise<CopiedFile> {
  const tmp = tempName(dst);
  let created = false;
  let copied: CopiedFile;
  try {
    const handle = await fs.open(tmp, 'w', opts.mode ?? 0o600);
    created = true;
    try {
      copied = await copyInto(src, handle, tmp, true);
      await handle.sync();
      const { size } = await handle.stat();
      if (size !== copied.bytes) throw new ShortWriteError(tmp, size, copied.bytes);
      if (opts.sha256 !== undefined && copied.sha256 !== opts.sha256) throw new Error(`${src} is not the copy the backup recorded (sha256 ${copied.sha256.slice(0, 12)}…, expected ${opts.sha256.slice(0, 12)}…): ${dst} not replaced`);
      if (opts.owner) await giveOwner(handle, tmp, opts.owner);
      if (opts.mode !== undefined) await handle.chmod(opts.mode);
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, dst);
    created = false;
  } catch (err) {
    if (created) await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw namingFile(err, dst);
  }
  await syncDir(path.dirname(dst));
  return copied;
}
