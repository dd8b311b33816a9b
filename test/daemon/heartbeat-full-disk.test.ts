// The heartbeat on a full disk (real tmpfs): each failed atomic write leaves no temp file, reports the fault,
// and daemon.json is still kept fresh in place, so the guardian does not kill a daemon that is supervising.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../src/platform/clock.js';
import { startHeartbeat } from '../../src/daemon/heartbeat.js';
import type { DaemonInfo } from '../../src/daemon/daemon-info.js';
import { mountSmallDisk, tempFilesUnder, type SmallDisk } from '../helpers/tmpfs.js';
import { waitFor } from '../helpers/processes.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('1m');
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

describe('heartbeat on a full disk', () => {
  it('reports ENOSPC, leaves no temp files, and keeps heartbeatAt fresh by an in-place rewrite', async () => {
    const clock = systemClock();
    const errors: string[] = [];
    let written = 0;
    const info = (): DaemonInfo => ({ pid: process.pid, startedAt: 1, version: 't', api: { host: '127.0.0.1', port: 1 }, heartbeatAt: 0, configPath: '', pidStartTime: null });
    const hb = startHeartbeat({ stateDir: disk.dir, clock, intervalMs: 100, info, onError: (e) => errors.push((e as Error).message), onWritten: () => written++ });
    try {
      await waitFor(() => written > 0, { timeoutMs: 5000, message: 'a first heartbeat' });
      disk.fill(0);
      const filledAt = Date.now();
      await waitFor(() => errors.length >= 5, { timeoutMs: 10_000, message: 'five failed heartbeats' });
      expect(errors[0]).toMatch(/ENOSPC.*in-place rewrite/);
      const beat = JSON.parse(readFileSync(path.join(disk.dir, 'daemon.json'), 'utf8')) as DaemonInfo;
      expect(beat.heartbeatAt).toBeGreaterThanOrEqual(filledAt);
      expect(tempFilesUnder(disk.dir)).toEqual([]);
      disk.free();
      const before = written;
      await waitFor(() => written > before, { timeoutMs: 5000, message: 'a normal heartbeat once space is back' });
    } finally {
      await hb.stop();
    }
    expect(tempFilesUnder(disk.dir)).toEqual([]);
  });

  it('a new daemon on a disk that is already full replaces the previous daemon.json (of another size) in place', async () => {
    const file = path.join(disk.dir, 'daemon.json');
    writeFileSync(file, JSON.stringify({ pid: 1, startedAt: 1, version: 'an older, longer version string', api: { host: '127.0.0.1', port: 65000 }, heartbeatAt: 1, configPath: '/some/long/path/clawback.yaml', pidStartTime: 12345 }, null, 2) + '\n');
    disk.fill(0);
    const errors: string[] = [];
    const info = (): DaemonInfo => ({ pid: process.pid, startedAt: 2, version: 't', api: { host: '127.0.0.1', port: 2 }, heartbeatAt: 0, configPath: '', pidStartTime: null });
    const hb = startHeartbeat({ stateDir: disk.dir, clock: systemClock(), intervalMs: 100, info, onError: (e) => errors.push((e as Error).message) });
    try {
      await waitFor(() => errors.length >= 2, { timeoutMs: 5000, message: 'two failed heartbeats' });
      const beat = JSON.parse(readFileSync(file, 'utf8')) as DaemonInfo;
      expect(beat.pid).toBe(process.pid);
      expect(Date.now() - beat.heartbeatAt).toBeLessThan(3000);
    } finally {
      await hb.stop();
      disk.free();
      rmSync(file, { force: true });
    }
  });
});
