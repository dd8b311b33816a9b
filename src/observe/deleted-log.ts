// A service's log deleted while it runs (rm, a cleanup script, logrotate dropping a generation it had moved): the service
// keeps writing into the unlinked file, which grows unseen and is never rotated. Its output is moved back (Linux /proc).
import { fstatSync, ftruncateSync, readSync, statSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { generationCap } from './log-rotation.js';
import { APPEND_NO_FOLLOW, openNoFollow } from '../platform/no-follow.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

/** The inode that `pid`'s standard output writes to, or null when it cannot be told (no /proc, not ours, gone). */
export function outputInode(pid: number): number | null {
  try {
    return statSync(`/proc/${pid}/fd/1`).ino;
  } catch {
    return null;
  }
}

/** The path `pid`'s standard output writes to, as /proc names it; undefined when it cannot be told. */
export async function outputPath(pid: number): Promise<string | undefined> {
  return fsp.readlink(`/proc/${pid}/fd/1`).catch(() => undefined);
}

export interface Reclaimed {
  /** Bytes appended to the log file again. */
  moved: number;
  /** Older bytes beyond a generation's cap that were not kept (marked in the file). */
  dropped: number;
}

const CHUNK = 64 * 1024;
/** Passes that copy what the service wrote during the previous one, before the last (synchronous) one. */
const CATCH_UP_PASSES = 8;
/** The most the last pass reads (only when the service outwrote every catch-up pass; the older part is marked dropped). */
const LAST_MAX = 1024 * 1024;

/**
 * When `pid`'s output goes to `file` deleted: its newest part (at most a rotated generation's cap, from a line start) are appended to `file` (created
 * again), and the unlinked file is emptied, so the disk it holds is bounded and `clawback logs` and the log probes see
 * the output again; called at each rotation pass while it lasts. What the service writes during the copy is copied too
 * (a few bounded passes), and the last bytes are read and the file emptied at once (fstat, read, ftruncate, no await
 * between), so only a write landing in those microseconds can be lost, as with copy-truncate. A service that outwrites
 * every pass: the last read is bounded (LAST_MAX) and what it leaves is marked dropped in the file.
 * Undefined when the output does not go to a deleted `file`.
 */
export async function reclaimDeletedLog(pid: number, file: string, maxBytes: number): Promise<Reclaimed | undefined> {
  const fdPath = `/proc/${pid}/fd/1`;
  const link = await fsp.readlink(fdPath).catch(() => '');
  if (link !== `${path.resolve(file)} (deleted)`) return undefined;
  const src = await fsp.open(fdPath, 'r+').catch(() => undefined);
  if (!src) return undefined;
  try {
    let end = (await src.stat()).size;
    let pos = Math.max(0, end - generationCap(maxBytes));
    const buf = Buffer.allocUnsafe(CHUNK);
    if (pos > 0) {
      const { bytesRead } = await src.read(buf, 0, CHUNK, pos);
      const nl = buf.subarray(0, bytesRead).indexOf(10);
      if (nl >= 0) pos += nl + 1;
    }
    const dropped = pos;
    // Nothing was there to move: no truncate, whose window (a line written after the size was read) lost that line.
    if (end === 0) return { moved: 0, dropped: 0 };
    await mkdirRecursive(path.dirname(file), 0o700);
    const dst = await openNoFollow(file, APPEND_NO_FOLLOW);
    let moved = 0;
    const copy = async (to: number): Promise<void> => {
      while (pos < to) {
        const { bytesRead } = await src.read(buf, 0, Math.min(CHUNK, to - pos), pos);
        if (bytesRead === 0) break;
        await dst.write(buf, 0, bytesRead);
        pos += bytesRead;
        moved += bytesRead;
      }
    };
    try {
      if (dropped > 0) await dst.write(`[clawback] ${dropped} bytes of output before this line were dropped: ${path.basename(file)} was deleted while the service wrote to it\n`);
      await copy(end);
      // The lines written while copying: copied too, until what is left fits one chunk.
      for (let pass = 0; pass < CATCH_UP_PASSES; pass++) {
        const now = (await src.stat()).size;
        if (now - pos <= CHUNK) break;
        await copy(now);
      }
      // The last bytes and the truncate with no await between them: only a line written in those microseconds is lost.
      end = fstatSync(src.fd).size;
      if (end < pos) return { moved, dropped }; // emptied by someone else meanwhile: what is there now is new output
      const gap = end - pos;
      const tail = gap <= CHUNK ? buf : Buffer.allocUnsafe(Math.min(gap, LAST_MAX));
      const from = end - tail.length > pos ? end - tail.length : pos;
      let last = 0;
      while (from + last < end) {
        const n = readSync(src.fd, tail, last, end - from - last, from + last);
        if (n === 0) break;
        last += n;
      }
      ftruncateSync(src.fd, 0);
      if (from > pos) await dst.write(`[clawback] ${from - pos} bytes of output were dropped: the service wrote faster than its deleted log could be moved back\n`);
      if (last > 0) await dst.write(tail, 0, last);
      moved += last;
    } finally {
      await dst.close();
    }
    return { moved, dropped };
  } finally {
    await src.close();
  }
}
