// The daemon's own log on a full disk: the disk took the first part of a line and refused the rest, and the next line
// (once there was room again, or from the next fault-log writer) was glued to the torn one: two lines lost to parsers.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { faultLog } from '../../src/daemon/fault-log.js';
import { RotatingFileStream } from '../../src/observe/log-rotation.js';
import { Redactor } from '../../src/observe/redact.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

const disks: SmallDisk[] = [];
afterEach(() => {
  for (const d of disks.splice(0)) d.unmount();
});

/** Every line of the file, and those that are not JSON. */
function lines(file: string): { all: string[]; torn: string[] } {
  const all = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  return {
    all,
    torn: all.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    }),
  };
}

describe("the daemon's own log on a full disk", () => {
  it('a line is written whole or not at all, and the lines after the disk has room again stand on their own', () => {
    const disk = mountSmallDisk('200k');
    disks.push(disk);
    const file = path.join(disk.dir, 'logs', 'daemon.log');
    const stream = new RotatingFileStream({ file, maxBytes: 0, keep: 0 });
    disk.fill(6 * 1024);
    const line = (i: number): string => `${JSON.stringify({ level: 'info', i, msg: 'x'.repeat(700) })}\n`;
    // 40 lines of ~720 bytes are 28 KiB: far past the 6 KiB left, so the disk refuses some, one of them part-way.
    for (let i = 0; i < 40; i++) stream.write(line(i));
    expect(stream.writeErrors).toBeGreaterThan(0);
    expect(stream.lastError?.message).toMatch(/ENOSPC/);
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);

    disk.free();
    stream.write(line(100));
    stream.close();
    // A fault line is written by a logger opened for that one line.
    faultLog({ stateDir: disk.dir, redactor: new Redactor(), stderr: { write: () => true } })('error', { reason: 'state-write' }, 'after the disk had room');
    const { all, torn } = lines(file);
    expect(torn).toEqual([]);
    expect(all.some((l) => l.includes('"i":100'))).toBe(true);
    expect(all.some((l) => l.includes('after the disk had room'))).toBe(true);
  });

  it('a line left torn at the end (a kill mid-write) does not swallow the next writer\'s first line', () => {
    const disk = mountSmallDisk('200k');
    disks.push(disk);
    const file = path.join(disk.dir, 'logs', 'daemon.log');
    const stream = new RotatingFileStream({ file, maxBytes: 0, keep: 0 });
    stream.write('{"level":"info","msg":"whole"}\n');
    stream.close();
    writeFileSync(file, '{"level":"info","msg":"cut sho', { flag: 'a' });
    const next = new RotatingFileStream({ file, maxBytes: 0, keep: 0 });
    next.write('{"level":"info","msg":"next"}\n');
    next.close();
    const { all, torn } = lines(file);
    expect(all).toContain('{"level":"info","msg":"next"}');
    expect(torn).toEqual(['{"level":"info","msg":"cut sho']);
  });
});
