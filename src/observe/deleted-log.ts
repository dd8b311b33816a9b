// A service's log deleted while it runs (rm, a cleanup script, logrotate dropping a generation it had moved): the service
// keeps writing into the unlinked file, which grows unseen and is never rotated. Its output is moved back (Linux /proc).
import { statSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { generationCap } from './log-rotation.js';
import { APPEND_NO_FOLLOW, openNoFollow } from '../platform/no-follow.js';

/** The inode that `pid`'s standard output writes to, or null when it cannot be told (no /proc, not ours, gone). */
export function outputInode(pid: number): number | null {
  try {
    return statSync(`/proc/${pid}/fd/1`).ino;
  } catch {
    return null;
  }
}

export interface Reclaimed {
  /** Bytes appended to the log file again. */
  moved: number;
  /** Older bytes beyond a generation's cap that were not kept (marked in the file). */
  dropped: number;
}

const CHUNK = 64 * 1024;

/**
 * When `pid`'s output goes to `file` deleted: its newest part (at most a rotated generation's cap, from a line start) are appended to `file` (created
 * again), and the unlinked file is emptied, so the disk it holds is bounded and `clawback logs` and the log probes see
 * the output again; called at each rotation pass while it lasts. Lines written between the copy and the truncate can be
 * lost, as with copy-truncate. Undefined when the output does not go to a deleted `file`.
 */
export async function reclaimDeletedLog(pid: number, file: string, maxBytes: number): Promise<Reclaimed | undefined> {
  const fdPath = `/proc/${pid}/fd/1`;
  const link = await fsp.readlink(fdPath).catch(() => '');
  if (link !== `${path.resolve(file)} (deleted)`) return undefined;
  const src = await fsp.open(fdPath, 'r+').catch(() => undefined);
  if (!src) return undefined;
  try {
    const end = (await src.stat()).size;
    let pos = Math.max(0, end - generationCap(maxBytes));
    const buf = Buffer.allocUnsafe(CHUNK);
    if (pos > 0) {
      const { bytesRead } = await src.read(buf, 0, CHUNK, pos);
      const nl = buf.subarray(0, bytesRead).indexOf(10);
      if (nl >= 0) pos += nl + 1;
    }
    const dropped = pos;
    await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const dst = await openNoFollow(file, APPEND_NO_FOLLOW);
    let moved = 0;
    try {
      if (dropped > 0) await dst.write(`[clawback] ${dropped} bytes of output before this line were dropped: ${path.basename(file)} was deleted while the service wrote to it\n`);
      while (pos < end) {
        const { bytesRead } = await src.read(buf, 0, Math.min(CHUNK, end - pos), pos);
        if (bytesRead === 0) break;
        await dst.write(buf, 0, bytesRead);
        pos += bytesRead;
        moved += bytesRead;
      }
    } finally {
      await dst.close();
    }
    // Nothing was there to move: no truncate, whose window (a line written after the size was read) lost that line.
    if (end > 0) await src.truncate(0);
    return { moved, dropped };
  } finally {
    await src.close();
  }
}
