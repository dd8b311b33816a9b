// A service killed by its full log disk (console.log threw ENOSPC on the file it was started on) was reported as an
// ordinary crash: "process ended (exit code 1)", a Level 0 incident and alert that never named the disk. The exit, the
// incident and its alert now say its log disk is full (the file, the room left). Real 4 MiB tmpfs, daemon, service.
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

describe('an exit its full log disk caused', () => {
  it('names the full log disk as the cause on the exit and the incident', async () => {
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
    const exit = await waitFor(() => t.events.find((e) => e.type === 'service.exited' && e.service === 'chatty'), { timeoutMs: 15_000, intervalMs: 100, message: 'the service died of its full log disk' });
    const opened = await waitFor(() => t.events.find((e) => e.type === 'incident.opened' && e.service === 'chatty'), { timeoutMs: 15_000, intervalMs: 100, message: 'an incident opened' });
    expect(exit.message).toMatch(/its log disk is full: .*chatty\.log.*\d+ bytes free/);
    expect(opened.message).toMatch(/its log disk is full/);
  }, 60_000);
});
