import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock } from '../../src/platform/clock.js';
import { sha256 } from '../../src/platform/config-file.js';
import { SnapshotStore, snapshotStoreFor } from '../../src/doctor/snapshot-store.js';

describe('SnapshotStore', () => {
  let root: string;
  let dir: string;
  let clock: FakeClock;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-snap-'));
    dir = path.join(root, 'snapshots', 'gateway');
    clock = new FakeClock();
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('writes 0600 files in a 0700 dir with an index of checksums and timestamps', async () => {
    const store = new SnapshotStore(dir, { keep: 3, clock });
    const e = await store.save(Buffer.from('{"port":1}'), { sourcePath: '/x/gateway.json', reason: 'test', kind: 'last-known-good', mode: 0o640 });
    expect(e.sha256).toBe(sha256('{"port":1}'));
    expect(e.time).toBe(clock.now());
    expect((await fs.stat(dir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(path.join(dir, e.file))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.join(dir, 'index.json'))).mode & 0o777).toBe(0o600);
    const index = JSON.parse(await fs.readFile(path.join(dir, 'index.json'), 'utf8')) as { entries: { sha256: string; iso: string; mode: number }[] };
    expect(index.entries).toHaveLength(1);
    expect(index.entries[0]!.sha256).toBe(e.sha256);
    expect(index.entries[0]!.iso).toBe(new Date(clock.now()).toISOString());
    expect(index.entries[0]!.mode).toBe(0o640);
    expect((await store.read(e)).toString()).toBe('{"port":1}');
  });

  it('skips a save when the newest snapshot of that kind has the same bytes', async () => {
    const store = new SnapshotStore(dir, { keep: 3, clock });
    const a = await store.save(Buffer.from('same'), { sourcePath: 'f', reason: 'r', kind: 'last-known-good' });
    clock.advance(1000);
    const b = await store.save(Buffer.from('same'), { sourcePath: 'f', reason: 'r', kind: 'last-known-good' });
    expect(b.deduplicated).toBe(true);
    expect(b.id).toBe(a.id);
    expect(await store.list()).toHaveLength(1);
    // A different kind is a different history.
    const c = await store.save(Buffer.from('same'), { sourcePath: 'f', reason: 'r', kind: 'pre-repair' });
    expect(c.deduplicated).toBeUndefined();
    expect(await store.list()).toHaveLength(2);
  });

  it('keeps a bounded history per kind, pruning the oldest files', async () => {
    const store = new SnapshotStore(dir, { keep: 3, keepPreRepair: 2, clock });
    for (let i = 0; i < 6; i++) {
      await store.save(Buffer.from(`good ${i}`), { sourcePath: 'f', reason: 'r', kind: 'last-known-good' });
      await store.save(Buffer.from(`pre ${i}`), { sourcePath: 'f', reason: 'r' });
      clock.advance(1000);
    }
    const good = await store.list('last-known-good');
    expect(good.map((e) => e.size)).toHaveLength(3);
    expect((await store.read(good[0]!)).toString()).toBe('good 5');
    expect((await store.read(good[2]!)).toString()).toBe('good 3');
    expect((await store.latest('pre-repair'))!.kind).toBe('pre-repair');
    expect(await store.list('pre-repair')).toHaveLength(2);
    const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.snap'));
    expect(files).toHaveLength(5);
  });

  it('refuses to return bytes that no longer match their checksum', async () => {
    const store = new SnapshotStore(dir, { keep: 3, clock });
    const e = await store.save(Buffer.from('original'), { sourcePath: 'f', reason: 'r' });
    await fs.writeFile(path.join(dir, e.file), 'tampered');
    await expect(store.read(e)).rejects.toThrow(/damaged/);
  });

  it('rebuilds its index from the snapshot files when the index is lost', async () => {
    const store = new SnapshotStore(dir, { keep: 3, clock });
    await store.save(Buffer.from('one'), { sourcePath: 'f', reason: 'r', kind: 'last-known-good' });
    clock.advance(5);
    await store.save(Buffer.from('two'), { sourcePath: 'f', reason: 'r', kind: 'last-known-good' });
    await fs.writeFile(path.join(dir, 'index.json'), '{ broken');
    const again = new SnapshotStore(dir, { keep: 3, clock });
    const latest = await again.latest('last-known-good');
    expect((await again.read(latest!)).toString()).toBe('two');
  });

  it('serialises concurrent saves', async () => {
    const store = new SnapshotStore(dir, { keep: 10, clock });
    await Promise.all(Array.from({ length: 5 }, (_, i) => store.save(Buffer.from(`c${i}`), { sourcePath: 'f', reason: 'r', kind: 'last-known-good' })));
    expect(await store.list('last-known-good')).toHaveLength(5);
  });

  it('snapshotStoreFor puts the store at <stateDir>/snapshots/<service>', () => {
    const s = snapshotStoreFor(root, { name: 'gw', doctor: { command: undefined, timeout: 1, attempts: 1, snapshotAfter: 1, confirmAfter: 1, keepSnapshots: 4 } });
    expect(s.dir).toBe(path.join(root, 'snapshots', 'gw'));
  });
});
