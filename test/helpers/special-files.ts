// Special files in place of a user's file (a FIFO, a link to a device, a directory, a sparse 2 GiB file), and a way to
// free a reader that a missing fix left waiting on a FIFO, so a failing test fails instead of hanging its worker.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, symlink, truncate, writeFile } from 'node:fs/promises';

export type SpecialKind = 'fifo' | 'link-to-fifo' | 'link-to-dev-zero' | 'directory' | 'sparse-2gib';

/** Puts `kind` at `file` (which must not exist); `fifoBeside` is where a linked FIFO is made. */
export async function makeSpecial(kind: SpecialKind, file: string): Promise<void> {
  if (kind === 'fifo') execFileSync('mkfifo', [file]);
  else if (kind === 'link-to-fifo') {
    execFileSync('mkfifo', [`${file}.fifo`]);
    await symlink(`${file}.fifo`, file);
  } else if (kind === 'link-to-dev-zero') await symlink('/dev/zero', file);
  else if (kind === 'directory') await mkdir(file);
  else {
    await writeFile(file, '');
    await truncate(file, 2 * 1024 ** 3);
  }
}

/** Opens the FIFO for writing without blocking and closes it: any reader waiting in open() gets EOF. */
export function releaseFifoReaders(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // ENXIO: nobody is waiting; ENOENT: gone.
  }
}

/** The promise's value, or a rejection naming what did not settle within ms (bounded waits only). */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
