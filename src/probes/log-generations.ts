// What a rotation moved out of a log reader's way: the generations (file.1, file.2...) made since the reader's last look.
import { statSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DROP_MARKER_HEAD, droppedBefore } from '../observe/drop-marker.js';

/** Generations walked at most (logs.keep is at most 100). */
const MAX_GENERATIONS = 100;
/** Siblings looked at, at most, for where a renamed log went. */
const MAX_SIBLINGS = 200;

/** The inode of file.1 now (undefined when there is none): compared at the next read, a change means a rotation. */
export async function rotationMark(file: string): Promise<number | undefined> {
  try {
    return Number((await stat(`${file}.1`)).ino);
  } catch {
    return undefined;
  }
}

/** rotationMark, read at once (the health watch's attach and an instance's exit, where no await fits). */
export function rotationMarkSync(file: string): number | undefined {
  try {
    return Number(statSync(`${file}.1`).ino);
  } catch {
    return undefined;
  }
}

/**
 * The generations a rotation made since `mark` (the inode file.1 had then), oldest first: file.k .. file.1, where
 * file.(k+1) is the old file.1 (or missing). Empty when file.1 is unchanged. Each comes with its size.
 */
export async function movedSince(file: string, mark: number | undefined): Promise<Array<{ file: string; size: number }>> {
  const out: Array<{ file: string; size: number }> = [];
  for (let i = 1; i <= MAX_GENERATIONS; i++) {
    let st;
    try {
      st = await stat(`${file}.${i}`);
    } catch {
      break;
    }
    if (Number(st.ino) === mark) break;
    out.unshift({ file: `${file}.${i}`, size: Number(st.size) });
  }
  return out;
}

/**
 * Where offset `from` of the file a rotation copied into `copy` is in the copy: the same, unless a flood's copy starts
 * with the daemon's "N bytes ... dropped before this line" marker (the kept lines sit after it, N bytes earlier).
 */
export async function offsetInCopy(copy: string, from: number): Promise<number> {
  const fh = await open(copy, 'r');
  try {
    const head = Buffer.alloc(DROP_MARKER_HEAD);
    const { bytesRead } = await fh.read(head, 0, DROP_MARKER_HEAD, 0);
    const marker = droppedBefore(head.subarray(0, bytesRead));
    return marker ? marker.markerBytes + Math.max(0, from - marker.dropped) : from;
  } finally {
    await fh.close();
  }
}

/**
 * Where a log renamed away went (the user's logrotate with dateext, or any rename then a new file): the file beside it
 * whose name starts with the log's and that has inode `ino` (the old file's), with its size; undefined when gone
 * (deleted, compressed, moved to another directory). Looked up only when the log's inode changed.
 */
export async function renamedTo(file: string, ino: number): Promise<{ file: string; size: number } | undefined> {
  const base = path.basename(file);
  const names = await readdir(path.dirname(file)).catch(() => [] as string[]);
  let looked = 0;
  for (const name of names) {
    if (name === base || !name.startsWith(base)) continue;
    if (++looked > MAX_SIBLINGS) break;
    const candidate = path.join(path.dirname(file), name);
    const st = await stat(candidate).catch(() => undefined);
    if (st?.isFile() && Number(st.ino) === ino) return { file: candidate, size: Number(st.size) };
  }
  return undefined;
}
