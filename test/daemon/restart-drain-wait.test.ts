// A person's restart of a service whose drainGrace is longer than its stop grace + 15 s: the daemon stopped waiting
// after the stop grace + 15 s and answered "restart web: stopping" (a failure: HTTP 409, exit 1), and the restart then
// went through. Real daemon, a real service that drains for 18 s: the answer waits for the drain and says it ran.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { slowStopService } from '../helpers/slow-stop.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});


describe("a person's restart that drains longer than the stop grace + 15 s", () => {
  it('is answered once the drain is over, as the restart it was', async () => {
    const web = slowStopService(18000);
    td = await startTestDaemon({ services: [{ name: 'web', command: web.command, env: web.env, stop: { grace: '500ms', drainGrace: '60s' } }] });
    const rt = td.daemon.runtimes.get('web')!;
    await waitFor(() => rt.status().state === 'running' && web.handling(rt.status().pid), { timeoutMs: 20_000, message: 'web running, its SIGTERM handler in place' });
    const pidBefore = rt.status().pid;
    const asked = Date.now();
    const answer = await rt.restart('human');
    expect(answer.ok).toBe(true);
    expect(answer.message).toMatch(/^restart web: running \(pid \d+\)$/);
    expect(rt.status().pid).not.toBe(pidBefore);
    expect(rt.status().restarts).toBe(1);
    // It did drain (the old instance took its 18 s), and the answer came after it, not at the stop grace + 15 s.
    expect(Date.now() - asked).toBeGreaterThan(17_000);
  }, 90_000);
});
