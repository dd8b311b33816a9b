// The update's backup and restore read each state file whole into memory: a 300 MiB database cost ~300 MiB of daemon
// RSS (a restore twice that), and a sparse one was written out in full, filling the disk with its zeros (ENOSPC on a
// disk with room for the data ten times over). Now both copy a chunk at a time, keep holes, and a backup over
// update.backupLimit (or larger than the room on its disk) fails before copying anything, naming the size and the setting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { readBackup, restoreBackup, takeBackup } from '../../src/update/state-backup.js';
import { hashFile } from '../../src/platform/stream-copy.js';

const MiB = 2 ** 20;

/** A sparse file of `size` bytes with a few real bytes at its start, middle and end. */
async function sparse(file: string, size: number, tag: string): Promise<void> {
  await fs.writeFile(file, `head ${tag}\n`);
  await fs.truncate(file, size);
  const fd = await fs.open(file, 'r+');
  try {
    await fd.write(`middle ${tag}\n`, Math.floor(size / 2));
    await fd.write(`tail ${tag}\n`, size - 32);
  } finally {
    await fd.close();
  }
}

const diskBytes = async (f: string): Promise<number> => (await fs.stat(f)).blocks * 512;

describe('state backup and restore at real sizes (real tmpfs)', () => {
  let disk: SmallDisk;
  beforeAll(() => {
    disk = mountSmallDisk('32m');
  });
  afterAll(() => {
    disk?.unmount();
  });

  it('backs up and restores a 300 MiB sparse database on a 32 MiB disk, holes kept, in bounded memory', async () => {
    const state = path.join(disk.dir, 'state');
    await fs.mkdir(state);
    const db = path.join(state, 'main.db');
    await sparse(db, 300 * MiB, 'v1');
    await fs.chmod(db, 0o640);
    const before = await hashFile(db);
    const rss0 = process.resourceUsage().maxRSS * 1024;
    const b = path.join(disk.dir, 'b');
    const m = await takeBackup(b, [], [path.join(state, '*.db')], 1);
    expect(m.entries).toHaveLength(1);
    expect(m.entries[0]!.bytes).toBe(300 * MiB);
    expect(m.entries[0]!.sha256).toBe(before!.sha256);
    expect(await diskBytes(path.join(b, m.entries[0]!.stored))).toBeLessThan(8 * MiB);

    // The new version rewrites it (same size, other bytes); the rollback puts v1 back and keeps v2 aside.
    await sparse(db, 300 * MiB, 'v2');
    const r = await restoreBackup(b, (await readBackup(b))!);
    expect(r.failed).toEqual([]);
    expect(r.restored).toEqual([db]);
    expect((await hashFile(db))!.sha256).toBe(before!.sha256);
    expect((await fs.stat(db)).mode & 0o777).toBe(0o640);
    expect(await diskBytes(db)).toBeLessThan(8 * MiB);
    const kept = path.join(r.evidenceDir!, (await fs.readdir(r.evidenceDir!))[0]!);
    expect(await diskBytes(kept)).toBeLessThan(8 * MiB);
    const fd = await fs.open(kept);
    const tail = Buffer.alloc(8);
    await fd.read(tail, 0, 8, 300 * MiB - 32);
    await fd.close();
    expect(tail.toString()).toBe('tail v2\n');
    // (A chunk holding data is written whole: 3 chunks here, against 300 MiB.) Read whole, the 300 MiB file alone raised the peak by its size (a restore by twice it); a chunk at a time costs MiBs.
    expect(process.resourceUsage().maxRSS * 1024 - rss0).toBeLessThan(100 * MiB);
  }, 180_000);

  it('refuses a backup over update.backupLimit, or larger than the room left, before copying anything', async () => {
    const state = path.join(disk.dir, 'state2');
    await fs.mkdir(state);
    await fs.writeFile(path.join(state, 'a.db'), Buffer.alloc(3 * MiB, 1));
    await fs.writeFile(path.join(state, 'b.db'), Buffer.alloc(2 * MiB, 2));
    const b = path.join(disk.dir, 'b2');
    await expect(takeBackup(b, [], [path.join(state, '*.db')], 1, { limitBytes: 4 * MiB })).rejects.toThrow(
      `the state files to back up come to 5.0 MiB (the largest: ${path.join(state, 'a.db')} is 3.0 MiB), more than update.backupLimit (4.0 MiB)`,
    );
    expect(await fs.readdir(b)).toEqual([]);
    // Within the limit but not within the disk: nothing copied, the disk keeps its room.
    disk.fill(3 * MiB);
    try {
      const free = disk.available();
      await expect(takeBackup(b, [], [path.join(state, '*.db')], 1)).rejects.toThrow(/take 5\.0 MiB on disk .*more than the .* free where the backup goes/);
      expect(await fs.readdir(b)).toEqual([]);
      expect(disk.available()).toBe(free);
    } finally {
      disk.free();
    }
  });

  it('a backup that fails half-way removes the copies it made (no manifest names them, they only hold the room)', async () => {
    const state = path.join(disk.dir, 'state3');
    await fs.mkdir(path.join(state, 'z.db'), { recursive: true });
    await fs.writeFile(path.join(state, 'a.db'), Buffer.alloc(2 * MiB, 1));
    const b = path.join(disk.dir, 'b3');
    const free = disk.available();
    // a.db is copied first; z.db (a directory named as a file) cannot be read: the backup fails after one copy.
    await expect(takeBackup(b, [path.join(state, 'a.db'), path.join(state, 'z.db')], [], 1)).rejects.toThrow(/EISDIR/);
    expect(await fs.readdir(b)).toEqual([]);
    expect(disk.available()).toBe(free);
  });
});
