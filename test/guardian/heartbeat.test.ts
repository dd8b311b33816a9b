// daemon.json: atomic writes, tolerant reads, the periodic heartbeat and the pure verdict on it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { removeDaemonInfo, startHeartbeat, writeDaemonInfo } from '../../src/daemon/heartbeat.js';
import { assessDaemon, readDaemonInfo, readDaemonInfoSync, type AssessDeps, type DaemonInfo } from '../../src/daemon/daemon-info.js';
import { systemClock } from '../../src/platform/clock.js';
import { waitFor } from '../helpers/processes.js';

const info = (over: Partial<DaemonInfo> = {}): DaemonInfo => ({
  pid: 4242,
  startedAt: 1_000,
  version: '1.2.3',
  api: { host: '127.0.0.1', port: 18790 },
  heartbeatAt: 10_000,
  configPath: '/etc/clawback.yaml',
  pidStartTime: 777,
  ...over,
});

describe('assessDaemon', () => {
  const deps = (over: Partial<AssessDeps> = {}): AssessDeps => ({
    now: 12_000,
    staleAfterMs: 5_000,
    isAlive: () => true,
    startTimeOf: () => 777,
    ...over,
  });

  it('missing without info', () => expect(assessDaemon(null, deps())).toBe('missing'));
  it('dead when the pid is gone', () => expect(assessDaemon(info(), deps({ isAlive: () => false }))).toBe('dead'));
  it('recycled-pid when the start time differs', () =>
    expect(assessDaemon(info(), deps({ startTimeOf: () => 778 }))).toBe('recycled-pid'));
  it('recycled-pid wins over stale', () =>
    expect(assessDaemon(info(), deps({ startTimeOf: () => 1, now: 99_000 }))).toBe('recycled-pid'));
  it('stale when the heartbeat is old', () => expect(assessDaemon(info(), deps({ now: 15_001 }))).toBe('stale'));
  it('running when fresh', () => expect(assessDaemon(info(), deps({ now: 15_000 }))).toBe('running'));
  it('cannot tell recycling without a recorded start time', () =>
    expect(assessDaemon(info({ pidStartTime: null }), deps({ startTimeOf: () => 1 }))).toBe('running'));
  it('cannot tell recycling when the current start time is unknown', () =>
    expect(assessDaemon(info(), deps({ startTimeOf: () => undefined }))).toBe('running'));
});

describe('daemon.json files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'clawback-hb-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips and leaves no temp files', async () => {
    await writeDaemonInfo(dir, info());
    expect(await readDaemonInfo(dir)).toEqual({ info: info() });
    expect(await readdir(dir)).toEqual(['daemon.json']);
  });

  it('reads a missing file as missing and a corrupted one as corrupt (the CLI\'s synchronous read the same)', async () => {
    expect(await readDaemonInfo(dir)).toEqual({ info: null, reason: 'missing' });
    expect(readDaemonInfoSync(dir)).toEqual({ info: null, reason: 'missing' });
    await writeFile(path.join(dir, 'daemon.json'), '{"pid":');
    const bad = await readDaemonInfo(dir);
    expect(bad.info).toBeNull();
    expect(bad.reason).toBe('corrupt');
    expect(readDaemonInfoSync(dir)).toEqual(bad);
    await writeFile(path.join(dir, 'daemon.json'), JSON.stringify({ ...info(), pid: 'x' }));
    const wrong = await readDaemonInfo(dir);
    expect(wrong.reason).toBe('corrupt');
    expect(wrong.info === null && wrong.detail).toMatch(/pid/);
    expect(readDaemonInfoSync(dir)).toEqual(wrong);
    await writeDaemonInfo(dir, info());
    expect(readDaemonInfoSync(dir)).toEqual({ info: info() });
    // A directory where the file should be: unreadable, said as such (read without blocking: only a regular file is read).
    const sub = path.join(dir, 'sub');
    await mkdir(path.join(sub, 'daemon.json'), { recursive: true });
    expect(readDaemonInfoSync(sub)).toMatchObject({ info: null, reason: 'corrupt', detail: expect.stringMatching(/a directory, not a regular file/) });
  });

  it('removes daemon.json only for the pid it names', async () => {
    await writeDaemonInfo(dir, info());
    expect(await removeDaemonInfo(dir, 1)).toBe(false);
    expect(await removeDaemonInfo(dir, 4242)).toBe(true);
    expect((await readDaemonInfo(dir)).reason).toBe('missing');
  });

  it('startHeartbeat writes at once and keeps heartbeatAt moving until stopped', async () => {
    const hb = startHeartbeat({ stateDir: dir, clock: systemClock(), intervalMs: 30, info: () => info({ heartbeatAt: 0 }) });
    try {
      const first = await waitFor(async () => (await readDaemonInfo(dir)).info, { timeoutMs: 5000 });
      expect(first.heartbeatAt).toBeGreaterThan(0);
      await waitFor(async () => ((await readDaemonInfo(dir)).info?.heartbeatAt ?? 0) > first.heartbeatAt, { timeoutMs: 5000 });
    } finally {
      await hb.stop();
      await hb.stop();
    }
    const last = (await readDaemonInfo(dir)).info!.heartbeatAt;
    await new Promise((r) => setTimeout(r, 120));
    expect((await readDaemonInfo(dir)).info!.heartbeatAt).toBe(last);
  });

  it('fsyncs the first write only: the beats after it replace daemon.json atomically without a journal commit each', async () => {
    // FileHandle.sync is the only way the atomic writer fsyncs (the file, then its directory): count its calls.
    const probe = await open(path.join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    await rm(path.join(dir, 'probe'));
    const real = proto.sync;
    let syncs = 0;
    proto.sync = function (this: unknown) {
      syncs++;
      return real.call(this);
    };
    const hb = startHeartbeat({ stateDir: dir, clock: systemClock(), intervalMs: 20, info: () => info({ heartbeatAt: 0 }) });
    try {
      const first = await waitFor(async () => (await readDaemonInfo(dir)).info, { timeoutMs: 5000 });
      const afterFirst = syncs;
      expect(afterFirst).toBeGreaterThanOrEqual(1);
      let seen = first.heartbeatAt;
      for (let beats = 0; beats < 5; beats++) {
        const prev = seen;
        seen = await waitFor(async () => {
          const at = (await readDaemonInfo(dir)).info?.heartbeatAt ?? 0;
          return at > prev ? at : undefined;
        }, { timeoutMs: 5000 });
      }
      expect(syncs).toBe(afterFirst);
    } finally {
      await hb.stop();
      proto.sync = real;
    }
    expect(await readdir(dir)).toEqual(['daemon.json']);
  });

  it('reports write errors and keeps going', async () => {
    const errors: unknown[] = [];
    const missing = path.join(dir, 'no-such-dir');
    const hb = startHeartbeat({ stateDir: missing, clock: systemClock(), intervalMs: 20, info: () => info(), onError: (e) => errors.push(e) });
    try {
      await waitFor(() => errors.length >= 2, { timeoutMs: 5000 });
    } finally {
      await hb.stop();
    }
  });
});
