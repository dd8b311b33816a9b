// Copy-truncate rotation on a full disk (real tmpfs): the kept generations stay, and a log past the generation cap
// is emptied to give the space back, with the drop marked and reported, instead of filling the disk for good.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generationCap, rotateIfLarger } from '../../src/observe/log-rotation.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('4m');
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});
afterEach(() => {
  disk.free();
  for (const n of ['svc.log', 'svc.log.1', 'svc.log.2']) rmSync(path.join(disk.dir, n), { force: true });
});

const MAX = 256 * 1024;
const lines = (bytes: number): string => ('l'.repeat(99) + '\n').repeat(Math.ceil(bytes / 100));

describe('rotating a service log on a full disk', () => {
  it('empties a log past the cap, marks and reports the drop, and keeps the rotated generations', async () => {
    const file = path.join(disk.dir, 'svc.log');
    writeFileSync(`${file}.1`, 'generation one\n');
    writeFileSync(`${file}.2`, 'generation two\n');
    writeFileSync(file, lines(generationCap(MAX) + 512 * 1024));
    const size = statSync(file).size;
    disk.fill(0);
    const drops: Array<[number, boolean | undefined]> = [];
    expect(await rotateIfLarger(file, MAX, 2, { onDropped: (n, noRoom) => drops.push([n, noRoom]) })).toBe(true);
    expect(drops).toEqual([[size, true]]);
    expect(readFileSync(file, 'utf8')).toMatch(/^\[clawback\] \d+ bytes of output before this line were dropped: the disk had no room to rotate them/);
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('generation one\n');
    expect(readFileSync(`${file}.2`, 'utf8')).toBe('generation two\n');
    expect(disk.available()).toBeGreaterThan(size / 2);
  });

  it('leaves a log under the cap and the generations as they are, and says there is no room', async () => {
    const file = path.join(disk.dir, 'svc.log');
    writeFileSync(`${file}.1`, 'generation one\n');
    writeFileSync(`${file}.2`, 'generation two\n');
    const text = lines(MAX + 64 * 1024);
    writeFileSync(file, text);
    disk.fill(0);
    await expect(rotateIfLarger(file, MAX, 2)).rejects.toThrow(/no room to rotate .*svc\.log/);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('generation one\n');
    expect(readFileSync(`${file}.2`, 'utf8')).toBe('generation two\n');
  });
});
