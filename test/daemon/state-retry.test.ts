// state.json on a full disk: the in-memory state is kept, the owned retry timer saves it once space returns,
// and stop() on a full disk neither throws nor leaves the service running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { mountSmallDisk, tempFilesUnder, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('2m');
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

describe('state.json on a full disk', () => {
  it('retries on its own timer (no new event needed) and clears degraded when the write lands', async () => {
    const td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { dir: disk.dir, heartbeatMs: 60_000 });
    try {
      const pid = await waitFor(() => td.daemon.runtimes.get('steady')!.status().pid, { timeoutMs: 20_000, message: 'the service pid' });
      // Its one line is written before the disk fills (a write to a full disk would make the fixture crash).
      await waitFor(() => existsSync(path.join(td.stateDir, 'logs', 'steady.log')) && readFileSync(path.join(td.stateDir, 'logs', 'steady.log'), 'utf8').includes('ready'), { timeoutMs: 20_000, message: 'the service to say ready' });
      await waitFor(() => td.daemon.runtimes.get('steady')!.status().health === 'healthy', { timeoutMs: 20_000, message: 'the service to be healthy' });
      const restarts = td.daemon.runtimes.get('steady')!.status().restarts;
      // Count every other request to save state from here on: the recovery must come from the retry timer.
      let otherPersists = 0;
      const persist = td.daemon.persist.bind(td.daemon);
      disk.fill(0);
      // A real change to save (an unchanged state is not written again: see state-fingerprint.ts).
      td.daemon.runtimes.get('steady')!.maintenance(true, { by: 'test', reason: 'a change for state.json' });
      persist();
      td.daemon.persist = () => {
        otherPersists++;
        persist();
      };
      await waitFor(() => td.daemon.health().degraded.find((d) => d.reason === 'state-write'), { timeoutMs: 5000, message: 'degraded: state-write' });
      const fault = td.daemon.health().degraded.find((d) => d.reason === 'state-write')!;
      expect(fault.lastError).toMatch(/^ENOSPC/);
      expect(td.daemon.status()).toMatchObject({ daemon: { health: 'degraded' } });
      // Two timer retries fail (1 s, then 2 s later), still no temp files.
      await waitFor(() => td.daemon.health().degraded.find((d) => d.reason === 'state-write' && d.count >= 3), { timeoutMs: 10_000, intervalMs: 100, message: 'two timer retries' });
      expect(tempFilesUnder(td.stateDir)).toEqual([]);
      disk.free();
      // Next retry is 4 s after the last; no event is emitted in between to trigger a write.
      await waitFor(() => !td.daemon.health().degraded.some((d) => d.reason === 'state-write'), { timeoutMs: 15_000, intervalMs: 100, message: 'the timer retry to save state.json' });
      // Nothing else asked for a save meanwhile: the timer did it.
      expect(otherPersists).toBe(0);
      expect(td.daemon.runtimes.get('steady')!.status()).toMatchObject({ pid, restarts });
      const saved = JSON.parse(readFileSync(path.join(td.stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { pid: number | null } }> };
      expect(saved.services.steady).toBeDefined();
      expect(td.events.map((e) => e.type)).toEqual(expect.arrayContaining(['daemon.degraded', 'daemon.recovered']));

      // And stop() with the disk full again: resolves, the service is stopped.
      disk.fill(0);
      await expect(td.stop()).resolves.toBeUndefined();
      expect(isAlive(pid)).toBe(false);
      expect(tempFilesUnder(td.stateDir)).toEqual([]);
    } finally {
      await td.stop();
    }
  });
});
