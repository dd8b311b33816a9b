// A daemon stopped 1-2 s into `clawback reload web` answered "web:0 is not healthy 60 s after its restart": a false
// fact that blamed the instance. The rollout cut short by the shutdown says so, with the time it ran.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePortRun, pidsOf, waitHealthy, webService } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('rolling restart cut short by the daemon stopping', () => {
  it('answers and journals the shutdown, not an instance unhealthy for the whole timeout', async () => {
    const base = await freePortRun(3);
    // Each instance listens 3 s after it starts: the restarted web:0 is still starting when the daemon stops.
    td = await startTestDaemon({ services: [webService(base, 3, { env: { LISTEN_DELAY_MS: '3000' } })] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1', 'web:2']);
    const before = pidsOf(d);
    const rollout = d.command('/api/services/web/reload', new URLSearchParams({ by: 'test', timeout: '60s' }));
    await waitFor(() => pidsOf(d)['web:0'] !== null && pidsOf(d)['web:0'] !== before['web:0'], { timeoutMs: 20_000, message: 'web:0 restarted' });
    const events = td.events;
    const stopping = td.stop();
    td = undefined;
    const r = await rollout;
    await stopping;
    expect(r?.status).toBe(503);
    const message = String(r?.body.message);
    expect(message).toContain("cut short by the daemon's shutdown");
    expect(message).toContain('while web:0 was restarting');
    expect(message).not.toContain('60 s after');
    expect(r?.body.untouched).toEqual(['web:1', 'web:2']);
    const failed = events.filter((e) => e.type === 'service.rollout-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.details).toMatchObject({ shutdown: true, failed: 'web:0' });
  }, 90_000);
});
