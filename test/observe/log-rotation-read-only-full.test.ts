// A state volume both read-only and full (a remount after the disk filled): rotateIfLarger read the room first and
// said "no room to rotate …/daemon.out.log (1.5 MB): 0 bytes free" (ENOSPC), so the guardian told a person to free
// space, and the read-only mount, which refuses every write whatever the room, was never named for that log. The
// write is tried first: the refusal is the read-only one (EROFS), the real cause; a writable full disk still says no room.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rotateIfLarger } from '../../src/observe/log-rotation.js';
import { mountSmallDisk } from '../helpers/tmpfs.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

const MAX = 1024 * 1024;

describe('rotating a log on a disk both full and read-only', () => {
  it('names the read-only mount (EROFS), not the room, and leaves the log as it was', async () => {
    const disk = mountSmallDisk('4m');
    cleanup.push(() => disk.unmount());
    const file = path.join(disk.dir, 'daemon.out.log');
    const text = ('x'.repeat(99) + '\n').repeat(15_000);
    writeFileSync(file, text);
    disk.fill(0);
    execFileSync('mount', ['-o', 'remount,ro', disk.dir], { stdio: 'pipe' });
    const err = await rotateIfLarger(file, MAX, 2).then(
      () => undefined,
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    expect(err?.code, err?.message).toBe('EROFS');
    expect(err?.path).toBe(file);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('a writable full disk still says there is no room (ENOSPC)', async () => {
    const disk = mountSmallDisk('4m');
    cleanup.push(() => disk.unmount());
    const file = path.join(disk.dir, 'daemon.out.log');
    writeFileSync(file, ('x'.repeat(99) + '\n').repeat(15_000));
    disk.fill(0);
    await expect(rotateIfLarger(file, MAX, 2)).rejects.toMatchObject({ code: 'ENOSPC', message: expect.stringContaining('no room to rotate') });
    disk.free();
  });
});
