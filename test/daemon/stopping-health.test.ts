// While a service was stopping (SIGTERM sent, its grace running), `clawback status` (and the dashboard's badge) still
// said HEALTH "healthy": the last probe verdict before the stop. Real daemon, a real service slow to stop: it says
// "stopping" until the instance is gone.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { slowStopService } from '../helpers/slow-stop.js';
import { renderStatus } from '../../src/cli/cmd-status.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

type Status = Parameters<typeof renderStatus>[0];


describe('a service on its way down', () => {
  it('shows HEALTH stopping, not the healthy of before the stop signal', async () => {
    const web = slowStopService(4000);
    td = await startTestDaemon({ services: [{ name: 'web', command: web.command, env: web.env, stop: { grace: '30s' } }] });
    const d = td.daemon;
    const rt = d.runtimes.get('web')!;
    await waitFor(() => rt.status().health === 'healthy' && web.handling(rt.status().pid), { timeoutMs: 20_000, message: 'web healthy, its SIGTERM handler in place' });
    const stopped = rt.stop('human');
    await waitFor(() => rt.status().state === 'stopping', { timeoutMs: 10_000, message: 'web stopping' });
    expect(rt.status().health).toBe('stopping');
    const row = renderStatus(d.status() as unknown as Status, false).split('\n').find((l) => l.startsWith('web '));
    expect(row).toMatch(/^web\s+stopping\s+\d+\s+\S+\s+0\s+stopping\s/);
    expect((await stopped).ok).toBe(true);
    expect(rt.status()).toMatchObject({ state: 'stopped', health: 'pending' });
  }, 60_000);
});
