// What a rotation moved out of a log reader's way: the generations (file.1, file.2...) made since the reader's last look.
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';

/** Generations walked at most (logs.keep is at most 100). */
const MAX_GENERATIONS = 100;

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
