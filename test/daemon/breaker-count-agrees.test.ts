// The crash-loop breaker said "5 restarts within 1m0s (limit 4)" while RESTARTS, clawback_restarts_total and the journal's
// service.restarting lines said 4 (the fifth exit tripped it; no fifth restart ran): real daemon, a real crashing process.
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('the breaker and the restart counters', () => {
  it('name the same number of restarts: the ones that ran', async () => {
    td = await startTestDaemon({
      services: [
        {
          name: 'crashy',
          command: [NODE, '-e', 'setTimeout(() => process.exit(3), 50)'],
          restart: { backoff: { initial: '20ms', max: '50ms' }, intensity: { maxRestarts: 4, window: '1m' } },
          doctor: { attempts: 0 },
        },
      ],
    });
    const t = td;
    const esc = await waitFor(() => t.events.find((e) => e.type === 'incident.escalated'), { timeoutMs: 30_000 });
    const ran = t.events.filter((e) => e.type === 'service.restarting').length;
    const status = (t.daemon.status() as unknown as { services: Array<{ name: string; restarts: number }> }).services.find((s) => s.name === 'crashy')!;
    expect(ran).toBe(4);
    expect(status.restarts).toBe(4);
    const tripped = t.events.find((e) => e.type === 'breaker.tripped')!;
    expect(tripped.message).toContain('4 restarts within 1m0s (limit 4), then it failed again');
    expect(esc.message).toContain('crash loop: 4 restarts within 1m0s, then it exited again');
    expect((esc.details as { restarts: number }).restarts).toBe(4);
  }, 40_000);
});
