// Atomic writes on a real small tmpfs: all bytes or nothing, the old file kept, no temp file left behind.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { removeStaleTemps, writeFileAtomic, writeFileAtomicSync } from '../../src/platform/atomic-write.js';
import { StateStore, type DaemonState } from '../../src/daemon/state-store.js';
import { mountSmallDisk, tempFilesUnder, type SmallDisk } from '../helpers/tmpfs.js';
import { tempDir } from '../helpers/daemon.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('1m');
});
afterAll(() => disk?.unmount());
afterEach(() => {
  disk.free();
  for (const f of readdirSync(disk.dir)) rmSync(path.join(disk.dir, f), { recursive: true, force: true });
});

const GOOD = JSON.stringify({ good: true, pad: 'x'.repeat(100) }) + '\n';
/** Larger than what is left on the disk after fill(16 KiB): the write fails partway. */
const BIG = JSON.stringify({ big: 'y'.repeat(200 * 1024) }) + '\n';

describe('writeFileAtomic / writeFileAtomicSync', () => {
  it('writes every byte with mode 0600 and leaves no temp file (sync and async)', async () => {
    const a = path.join(disk.dir, 'a.json');
    const b = path.join(disk.dir, 'b.json');
    const data = 'z'.repeat(300 * 1024); // several write() calls' worth
    writeFileAtomicSync(a, data);
    await writeFileAtomic(b, Buffer.from(data));
    expect(readFileSync(a, 'utf8')).toBe(data);
    expect(readFileSync(b, 'utf8')).toBe(data);
    expect(statSync(a).mode & 0o777).toBe(0o600);
    expect(tempFilesUnder(disk.dir)).toEqual([]);
  });

  // 'light' is the heartbeat's write: atomic, without the fsyncs; it must fail and clean up just the same.
  for (const variant of ['sync', 'async', 'light'] as const) {
    it(`${variant}: a write that runs out of space partway throws, keeps the old file whole and removes its temp file`, async () => {
      const file = path.join(disk.dir, 'state.json');
      writeFileSync(file, GOOD);
      disk.fill(16 * 1024);
      expect(disk.available()).toBeLessThan(BIG.length);
      const write = variant === 'sync' ? async () => writeFileAtomicSync(file, BIG) : () => writeFileAtomic(file, BIG, { durable: variant === 'async' });
      const err = await write().then(
        () => undefined,
        (e: NodeJS.ErrnoException) => e,
      );
      expect(err, 'the write must fail, not rename a truncated file over the good one').toBeDefined();
      expect(['ENOSPC', 'ESHORTWRITE']).toContain(err!.code);
      expect(readFileSync(file, 'utf8')).toBe(GOOD);
      expect(tempFilesUnder(disk.dir)).toEqual([]);
    });

    it(`${variant}: on a completely full disk it fails at once and leaves no temp file`, async () => {
      const file = path.join(disk.dir, 'daemon.json');
      writeFileSync(file, GOOD);
      disk.fill(0);
      for (let i = 0; i < 20; i++) {
        const r = variant === 'sync' ? (() => { try { writeFileAtomicSync(file, GOOD + i); return undefined; } catch (e) { return e; } })() : await writeFileAtomic(file, GOOD + i, { durable: variant === 'async' }).catch((e: unknown) => e);
        expect(r).toBeInstanceOf(Error);
      }
      expect(readFileSync(file, 'utf8')).toBe(GOOD);
      expect(tempFilesUnder(disk.dir)).toEqual([]);
      disk.free();
      variant === 'sync' ? writeFileAtomicSync(file, 'after') : await writeFileAtomic(file, 'after', { durable: variant === 'async' });
      expect(readFileSync(file, 'utf8')).toBe('after');
    });
  }

  it('StateStore.save: a short write never replaces the good state.json (the 8192-byte truncation)', () => {
    const store = new StateStore(disk.dir);
    const good: DaemonState = { version: 1, services: {} };
    store.save(good);
    const before = readFileSync(store.file, 'utf8');
    disk.fill(12 * 1024);
    const huge = { version: 1, services: { gw: { record: { note: 'q'.repeat(400 * 1024) }, incident: null } } } as unknown as DaemonState;
    expect(() => store.save(huge)).toThrow();
    expect(readFileSync(store.file, 'utf8')).toBe(before);
    expect(JSON.parse(readFileSync(store.file, 'utf8'))).toEqual(good);
    expect(tempFilesUnder(disk.dir)).toEqual([]);
    expect(store.load().fresh).toBe(false);
  });
});

describe('removeStaleTemps', () => {
  it('removes temp files of dead writers and keeps those of live ones', () => {
    const dir = tempDir();
    const file = path.join(dir, 'state.json');
    // A pid that existed and is gone: a finished child.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
    const deadPid = Number(dead.stdout.toString());
    const stale = path.join(dir, `.state.json.${deadPid}.0badc0de.tmp`);
    const ours = path.join(dir, `.state.json.${process.pid}.12345678.tmp`);
    const other = path.join(dir, `.other.json.${deadPid}.0badc0de.tmp`);
    for (const f of [stale, ours, other]) writeFileSync(f, 'partial');
    expect(removeStaleTemps(file)).toBe(1);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(ours)).toBe(true);
    expect(existsSync(other)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
