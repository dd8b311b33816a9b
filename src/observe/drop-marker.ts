// Reading the daemon's "N bytes of output before this line were dropped" marker at the head of a flood's rotated copy
// (written by log-rotation.ts): `clawback logs -f` and the log probes both place an old offset in such a copy by it.

/** The head of a rotated copy the marker is looked for in. */
export const DROP_MARKER_HEAD = 512;

const DROPPED_BEFORE = /^\[clawback\] (\d+) bytes of output before this line were dropped[^\n]*\n/;

/**
 * A rotated copy that starts with a flood's "dropped before this line" marker (pure): how many bytes of the old file
 * were dropped and how long the marker line is, so an old file offset can be found in the copy; undefined without one.
 */
export function droppedBefore(head: Buffer): { dropped: number; markerBytes: number } | undefined {
  const m = DROPPED_BEFORE.exec(head.toString('latin1'));
  return m ? { dropped: Number(m[1]), markerBytes: m[0].length } : undefined;
}
