// A state dir on a small disk (real 4 MiB tmpfs) that fills up while a service's log is still under logs.maxBytes:
// the log was never rotated, so the disk stayed full for good; now the daemon empties it, marks it and says so once.
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

// 256 KiB of lines, then quiet: far under the default logs.maxBytes (10 MiB), larger than the disk's last free page.
const WRITER = "process.stdout.write(('w'.repeat(1023)+'\\n').repeat(256)); setInterval(()=>{}, 1e9)";

describe('a service log on a full state disk', () => {
  it('is emptied to free the disk, the drop marked in it and warned once, and the service keeps running', async () => {
    const t: TestDaemon = await startTestDaemon({ services: [{ name: 'writer', command: [NODE, '-e', WRITER] }] }, { dir: disk.dir });
    cleanup.push(() => rmSync(t.stateDir, { recursive: true, force: true }));
    cleanup.push(() => t.stop());
    const log = path.join(t.stateDir, 'logs', 'writer.log');
    await waitFor(() => {
      try {
        return readFileSync(log).length >= 256 * 1024;
      } catch {
        return false;
      }
    }, { timeoutMs: 15_000, intervalMs: 100, message: 'the service wrote its 256 KiB' });
    const pid = t.daemon.runtimes.get('writer')!.status().pid;
    disk.fill(0);
    const warned = await waitFor(() => t.events.find((e) => e.type === 'daemon.housekeeping' && e.service === 'writer'), {
      timeoutMs: 15_000,
      intervalMs: 100,
      message: 'a warning that the log was emptied for room',
    });
    expect(warned.message).toMatch(/^writer: the disk has no room to rotate its log: \d+ bytes dropped from writer\.log/);
    expect(readFileSync(log, 'utf8')).toMatch(/^\[clawback\] \d+ bytes of output before this line were dropped: the disk was full/);
    expect(disk.available()).toBeGreaterThan(128 * 1024);
    expect(t.daemon.runtimes.get('writer')!.status()).toMatchObject({ state: 'running', pid });
  }, 40_000);
});
