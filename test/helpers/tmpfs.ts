// A real small filesystem for full-disk tests: a tmpfs mounted on a temp dir, filled and freed on demand.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, statfsSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SmallDisk {
  dir: string;
  /** Fills the disk until it refuses a byte, optionally leaving `leaveBytes` free (rounded to pages). */
  fill(leaveBytes?: number): void;
  /** Deletes the filler; the disk has room again. */
  free(): void;
  /** Bytes still available to unprivileged writes. */
  available(): number;
  unmount(): void;
}

/**
 * Mounts `mount -t tmpfs -o size=<size> tmpfs <tempdir>`. Throws a clear error (never a silent skip) when the
 * environment forbids mounting (not root, no CAP_SYS_ADMIN): these tests need a real full disk.
 */
export function mountSmallDisk(size = '2m'): SmallDisk {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-fulldisk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(
      `full-disk tests need a real small tmpfs: "mount -t tmpfs -o size=${size} tmpfs ${dir}" failed (${e.stderr?.toString().trim() || e.message}). ` +
        'Run them as root or with CAP_SYS_ADMIN; they do not pass without it.',
    );
  }
  const filler = path.join(dir, '.filler');
  let mounted = true;
  const fillers: string[] = [];
  const available = (): number => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    available,
    fill(leaveBytes = 0) {
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const file = `${filler}.${fillers.length}`;
      fillers.push(file);
      const fd = openSync(file, 'w');
      try {
        // Bounded: the disk is small; at most size / 4 KiB rounds.
        for (let round = 0; round < 100_000; round++) {
          // A full fill ends on the write the disk refuses, not on statfs: tmpfs counts its used pages per CPU, and
          // statfs could say 0 while a page was still to be had (a journal line then went through: seen once in CI).
          const room = leaveBytes > 0 ? available() - leaveBytes : chunk.length;
          if (room <= 0) break;
          try {
            if (writeSync(fd, chunk, 0, Math.min(chunk.length, room)) === 0) break;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
            throw err;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free() {
      for (const f of fillers.splice(0)) rmSync(f, { force: true });
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Temp files left by atomic writes (`.<name>.<pid>.<hex>.tmp`) anywhere under dir. */
export function tempFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 4) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (/^\..+\.\d+\.[0-9a-f]+\.tmp$/.test(e.name)) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

/** Temp files older than ageMs: left behind, as opposed to a write in flight. */
export function staleTempFilesUnder(dir: string, ageMs = 1500): string[] {
  const now = Date.now();
  return tempFilesUnder(dir).filter((f) => {
    try {
      return now - statSync(f).mtimeMs > ageMs;
    } catch {
      return false; // gone meanwhile: it was in flight
    }
  });
}
