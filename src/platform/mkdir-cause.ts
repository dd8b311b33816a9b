// Node's recursive mkdir answers ENOENT where the parent is there but its filesystem refuses the new folder (a
// read-only mount: EROFS), so a degraded reason read "no such file or directory" for a read-only disk.
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * After `err` from a recursive mkdir of `dir`: an ENOENT whose parent is a directory is tried once more as a plain
 * mkdir, which makes the folder or throws the filesystem's own cause (EROFS, EACCES); any other error is thrown as is.
 */
export function mkdirAfterRecursiveSync(dir: string, mode: number, err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  let parentIsDir = false;
  try {
    parentIsDir = statSync(path.dirname(dir)).isDirectory();
  } catch {
    // the parent is gone: the first answer stands
  }
  if (!parentIsDir) throw err;
  mkdirSync(dir, { mode });
}
