// The note beside a held agent-directory lock (<lock>.dir) on a full disk (a real small tmpfs): written whole or not at
// all, never an empty or cut note that other runs would read as the directory the run covers.
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { takeWorkdirLock, workdirLockPath } from '../../src/emergency/workdir-lock.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('2m');
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

it('a disk with room for the locks but not the note leaves no note (not an empty one), and no temp file', async () => {
  const stateDir = path.join(disk.dir, 'state');
  const app = path.join(disk.dir, 'app');
  mkdirSync(path.join(stateDir, 'locks'), { recursive: true });
  mkdirSync(app);
  // The shared locks folder is under the temp dir: a full temp dir, here the small disk.
  const tmpBefore = process.env.TMPDIR;
  process.env.TMPDIR = disk.dir;
  onTestFinished(() => {
    if (tmpBefore === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpBefore;
  });
  const lockFile = await workdirLockPath(stateDir, app);
  const locksDir = path.dirname(lockFile);
  expect(locksDir.startsWith(disk.dir)).toBe(true);
  // Room for the registry lock's page and the directory lock's, none for the note's.
  disk.fill(8192);
  try {
    const taken = await takeWorkdirLock(stateDir, app, { clock: systemClock(), waitMs: 0, until: Date.now() + 60_000 });
    expect(taken.ok).toBe(true);
    const note = `${lockFile}.dir`;
    if (existsSync(note)) expect(readFileSync(note, 'utf8').split('\n')[0]).toBe(app);
    expect(readdirSync(locksDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    if (taken.ok) await taken.release();
  } finally {
    disk.free();
  }
});
