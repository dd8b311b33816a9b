// A service whose log (its stdout, opened straight on the file) fills its disk: a Node service's console.log throws
// ENOSPC and it exits. It was restarted onto the same full disk again and again until the crash-loop breaker held it
// (10 restarts in ~55 s); now a start on a full log disk gets the log helper's pipe (output held, bounded), the daemon
// says why (service-log), and the service keeps running. Real 4 MiB tmpfs, real daemon, real service.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('4m');
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

const CHATTY = "setInterval(()=>console.log('x'.repeat(200)),20)";

describe('a service whose log disk fills up', () => {
  it('is restarted at most once, onto the held pipe, keeps its pid after that, and the daemon says why', async () => {
    const t: TestDaemon = await startTestDaemon({ services: [{ name: 'chatty', command: [NODE, '-e', CHATTY], probes: [{ kind: 'process' }] }] }, { dir: disk.dir });
    cleanup.push(() => rmSync(t.stateDir, { recursive: true, force: true }));
    cleanup.push(() => t.stop());
    const log = path.join(t.stateDir, 'logs', 'chatty.log');
    await waitFor(() => {
      try {
        return readFileSync(log).length > 4096;
      } catch {
        return false;
      }
    }, { timeoutMs: 15_000, intervalMs: 100, message: 'the service wrote to its log' });
    disk.fill(0);
    const said = await waitFor(() => t.events.find((e) => e.type === 'daemon.fault' && e.service === 'chatty' && e.details?.effect === 'service-log'), {
      timeoutMs: 15_000,
      intervalMs: 100,
      message: 'the daemon says the log disk is full',
    });
    expect(said.message).toMatch(/chatty\.log cannot be written: its disk is full \(\d+ bytes free/);
    const rt = t.daemon.runtimes.get('chatty')!;
    await waitFor(() => rt.status().state === 'running', { timeoutMs: 10_000, intervalMs: 100, message: 'running again' });
    const pid = rt.status().pid;
    // Long enough for several restarts of a crash loop (backoff 100 ms, doubling): it must keep its pid through it.
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 200));
      expect(rt.status()).toMatchObject({ state: 'running', pid });
    }
    expect(rt.status().restarts).toBeLessThanOrEqual(1);
  }, 60_000);
});
