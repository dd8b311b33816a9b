// Filling a service's data dir to the last byte, only where that is safe: a small filesystem of its own that the daemon does not write to.
import { closeSync, openSync, rmSync, statSync, statfsSync, writeSync } from 'node:fs';
import path from 'node:path';

/** The largest filesystem the drill fills (tmpfs fills are RAM). */
export const MAX_FILL_BYTES = 512 * 1024 * 1024;

export interface VolumeFacts {
  /** st_dev of the dir and of its parent: different when the dir is a mount point. */
  dev: number;
  parentDev: number;
  /** st_dev of the daemon's state dir. */
  stateDev: number;
  totalBytes: number;
}

/** Why filling `dir` is not safe, or undefined when it is (pure: the facts are read by volumeFacts). */
export function fillRefusal(dir: string, f: VolumeFacts): string | undefined {
  const how = `to drill it, give the data dir a small filesystem of its own, e.g. \`mount -t tmpfs -o size=16m tmpfs ${dir}\` (as root)`;
  if (f.dev === f.stateDev) return `skipped: the data dir ${dir} is on the same filesystem as the daemon's state dir; filling it would starve the journal too (${how})`;
  if (f.dev === f.parentDev) return `skipped: the data dir ${dir} is not a filesystem of its own; filling it would fill a disk others use (${how})`;
  if (f.totalBytes > MAX_FILL_BYTES) {
    return `skipped: the filesystem at ${dir} holds ${Math.round(f.totalBytes / 1048576)} MiB, more than the ${MAX_FILL_BYTES / 1048576} MiB the drill fills (${how})`;
  }
  return undefined;
}

export function volumeFacts(dir: string, stateDir: string): VolumeFacts {
  const s = statfsSync(dir);
  return {
    dev: statSync(dir).dev,
    parentDev: statSync(path.dirname(path.resolve(dir))).dev,
    stateDev: statSync(stateDir).dev,
    totalBytes: s.blocks * s.bsize,
  };
}

/** Same as fillRefusal on the live filesystem; a dir that cannot be inspected is refused too. */
export function diskFillRefusal(dir: string, stateDir: string): string | undefined {
  try {
    return fillRefusal(dir, volumeFacts(dir, stateDir));
  } catch (err) {
    return `skipped: cannot inspect the data dir ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
}

export interface Filler {
  /** The filler's name while it was being created (unlinked at once: only the open descriptor holds the space). */
  file: string;
  bytes: number;
  /** Gives the space back (idempotent, synchronous: it also runs from a signal handler). */
  free(): void;
}

/**
 * Fills `dir` until the filesystem refuses a byte (bounded by its size) through `<dir>/.clawback-drill-fill-<pid>`,
 * which is unlinked right after it is opened: the space is held by this process's descriptor alone, so the kernel
 * gives it back however the drill ends, SIGKILL included, and no file is ever left behind to keep the disk full.
 */
export function fillDisk(dir: string): Filler {
  const file = path.join(dir, `.clawback-drill-fill-${process.pid}`);
  const total = statfsSync(dir).blocks * statfsSync(dir).bsize;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let bytes = 0;
  const fd = openSync(file, 'w', 0o600);
  try {
    rmSync(file, { force: true });
    // Bounded: never more rounds than the filesystem has chunks (+ the last partial ones).
    for (let round = 0; round < total / chunk.length + 64; round++) {
      try {
        bytes += writeSync(fd, chunk, 0, chunk.length);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        // A whole chunk did not fit: try smaller pieces down to one page, then the disk is full.
        let size = chunk.length / 2;
        while (size >= 512) {
          try {
            bytes += writeSync(fd, chunk, 0, size);
          } catch {
            size /= 2;
          }
        }
        break;
      }
    }
  } catch (err) {
    closeSync(fd);
    rmSync(file, { force: true });
    throw err;
  }
  let freed = false;
  return {
    file,
    bytes,
    free() {
      if (freed) return;
      freed = true;
      closeSync(fd);
    },
  };
}
