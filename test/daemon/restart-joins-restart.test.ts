// Two `clawback restart NAME` at once: one restart happened and both callers were told "restarted" as if each had
// restarted it. Real daemon, a real service slow to stop: the second caller is told it joined the restart under way.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { slowStopService } from '../helpers/slow-stop.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a second restart while the first is under way', () => {
  it('joins it: one restart, and its caller is told it joined', async () => {
    const web = slowStopService(1500);
    td = await startTestDaemon({ services: [{ name: 'web', command: web.command, env: web.env, stop: { grace: '10s' } }] });
    const rt = td.daemon.runtimes.get('web')!;
    await waitFor(() => rt.status().state === 'running' && web.handling(rt.status().pid), { timeoutMs: 20_000, message: 'web running, its SIGTERM handler in place' });
    const first = rt.restart('human');
    await waitFor(() => rt.status().state === 'stopping', { timeoutMs: 10_000, message: 'the first restart stopping web' });
    const second = rt.restart('human');
    const [a, b] = await Promise.all([first, second]);
    expect(rt.status().restarts).toBe(1);
    expect(a.ok).toBe(true);
    expect(a.message).not.toMatch(/joined/);
    expect(b.ok).toBe(true);
    expect(b.message).toMatch(/^restart web: running \(pid \d+\); joined the restart already under way \(no second restart\)$/);
    // A restart after it is its own again.
    const third = await rt.restart('human');
    expect(third.message).not.toMatch(/joined/);
    expect(rt.status().restarts).toBe(2);
  }, 60_000);
});
