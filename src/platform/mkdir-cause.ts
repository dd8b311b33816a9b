// Node's recursive mkdir answers ENOENT where the parent is there but its filesystem refuses the new folder (a
// read-only mount: EROFS), so a degraded reason, a status line or an alert read "no such file or directory" for a
// read-only disk. Every recursive mkdir whose failure a person reads goes through here.
import { mkdirSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';

/** The first missing folder on the way to `dir` when the folder above it is a directory (undefined: none such). */
function firstMissing(dir: string): string | undefined {
  let child = path.resolve(dir);
  for (let depth = 0; depth < 256; depth++) {
    const parent = path.dirname(child);
    if (parent === child) return undefined;
    try {
      return statSync(parent).isDirectory() ? child : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    }
    child = parent;
  }
  return undefined;
}

/**
 * After `err` from a recursive mkdir of `dir`: an ENOENT where the nearest existing folder on the way is a directory is
 * tried once more as a plain mkdir of the first missing folder, which throws the filesystem's own cause (EROFS, EACCES),
 * or, made after all, lets the recursive mkdir go on. Any other error is thrown as is.
 */
function mkdirAfterRecursiveSync(dir: string, mode: number | undefined, err: unknown): string {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  const missing = firstMissing(dir);
  if (missing === undefined) throw err;
  mkdirSync(missing, mode === undefined ? {} : { mode });
  mkdirSync(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) });
  return missing;
}

/** mkdirSync(dir, { recursive: true, mode }) whose failure names the real cause (EROFS, not ENOENT). */
export function mkdirRecursiveSync(dir: string, mode?: number): string | undefined {
  try {
    return mkdirSync(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) });
  } catch (err) {
    return mkdirAfterRecursiveSync(dir, mode, err);
  }
}

/** fs.mkdir(dir, { recursive: true, mode }) whose failure names the real cause (EROFS, not ENOENT). */
export async function mkdirRecursive(dir: string, mode?: number): Promise<string | undefined> {
  try {
    return await fs.mkdir(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) });
  } catch (err) {
    return mkdirAfterRecursiveSync(dir, mode, err);
  }
}
