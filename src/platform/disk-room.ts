// The room on a filesystem (statfs), the filesystem a path not created yet is on, and one rule for "a service's log has room on its disk": a log opened as the
// service's own stdout on a disk without it fails the service's writes (ENOSPC), and a Node service dies of that.
import { promises as fs, statfsSync } from 'node:fs';
import path from 'node:path';

/** Below this much free space a service's output goes through the log helper (held, bounded), not onto the file. */
export const LOG_ROOM_MIN_BYTES = 1024 * 1024;

/** Free (to this user) and total bytes of a filesystem. */
export interface DiskRoom {
  free: number;
  size: number;
}

/** The room on the filesystem holding `dir`, undefined when statfs cannot tell. */
export function diskRoom(dir: string): DiskRoom | undefined {
  try {
    const s = statfsSync(dir);
    return { free: s.bavail * s.bsize, size: s.blocks * s.bsize };
  } catch {
    return undefined;
  }
}

/**
 * Why an instance that wrote straight onto `logFile` failed, when its disk is now under the room kept for the log (a
 * Node service's console.log threw ENOSPC and it exited): the text that names the cause, else undefined.
 */
export function logDiskFullText(logFile: string): string | undefined {
  const free = diskRoom(path.dirname(logFile))?.free;
  if (free === undefined || free >= LOG_ROOM_MIN_BYTES) return undefined;
  return `${logFile} has ${free} bytes free, under the ${LOG_ROOM_MIN_BYTES / 1024 / 1024} MiB kept for it; the next start writes through the log helper, which holds the newest output until there is room`;
}

/** The nearest existing ancestor: the volume a path not created yet (or deleted) is on. */
export async function existingAncestor(p: string): Promise<string> {
  let cur = path.resolve(p);
  for (let i = 0; i < 256; i++) {
    try {
      await fs.stat(cur);
      return cur;
    } catch {
      const up = path.dirname(cur);
      if (up === cur) return cur;
      cur = up;
    }
  }
  return cur;
}
