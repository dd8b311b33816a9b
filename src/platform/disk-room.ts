// One rule for "a service's log has room on its disk": a log opened as the service's own stdout on a disk without it
// fails the service's writes (ENOSPC), and a Node service dies of that; spawn and the service-log fault both use it.
import { statfsSync } from 'node:fs';

/** Below this much free space a service's output goes through the log helper (held, bounded), not onto the file. */
export const LOG_ROOM_MIN_BYTES = 1024 * 1024;

/** Bytes free to unprivileged writes on dir's filesystem; undefined when statfs cannot say. */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}
