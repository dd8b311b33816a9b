// A daemon that found state.json corrupt (kept as .corrupt) adopted the service instance still running from its state
// dir, but recorded it as started at its own boot: status gave the instance the daemon's uptime (0 s for a service up
// for minutes). The adopted instance's start is its process's start, read from /proc.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

describe('an instance adopted after state.json was found corrupt', () => {
  it('keeps its own start time, not the new daemon boot', async () => {
    const config = { services: [{ name: 'svc', command: [NODE, '-e', 'setInterval(() => {}, 1000)'] }] };
    const first = await startTestDaemon(config);
    cleanup.push(() => rmSync(first.dir, { recursive: true, force: true }));
    let firstStopped = false;
    cleanup.push(() => (firstStopped ? undefined : first.stop()));
    const pid = await waitFor(() => first.daemon.runtimes.get('svc')!.status().pid, { message: 'svc running' });
    const startedAt = first.daemon.runtimes.get('svc')!.status().startedAt!;
    await first.daemon.stop({ stopServices: false });
    firstStopped = true;
    cleanup.push(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone already
      }
    });
    writeFileSync(path.join(first.stateDir, 'state.json'), '{"version": 1, "services": {');
    // The instance runs on for a while unsupervised before the next daemon starts (a bounded wait on real time).
    await new Promise((r) => setTimeout(r, 1500));
    const before = Date.now();
    const second = await startTestDaemon(config, { dir: first.dir });
    cleanup.push(() => second.stop());
    const rt = second.daemon.runtimes.get('svc')!;
    await waitFor(() => rt.status().pid === pid, { message: 'the instance adopted' });
    const st = rt.status();
    // Its start is the process's (kernel ticks: within a second of what the first daemon recorded), never the boot.
    expect(st.startedAt!).toBeLessThan(before);
    expect(Math.abs(st.startedAt! - startedAt)).toBeLessThan(1000);
    expect(st.uptimeMs!).toBeGreaterThanOrEqual(1000);
  }, 60_000);
});
