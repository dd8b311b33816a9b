// The room on a filesystem (statfs), and one rule for "a service's log has room on its disk": a log opened as the
// service's own stdout on a disk without it fails the service's writes (ENOSPC), and a Node service dies of that.
import { statfsSync } from 'node:fs';

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
