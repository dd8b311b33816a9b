// A person's `clawback stop web:2` while `clawback reload web` rolls through the instances: their stop wins and stays.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/processes.js';
import { freePortRun, pidsOf, waitHealthy, webService } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('rolling restart and a person stopping an instance', () => {
  it('skips the instance a person stopped mid-rollout (it stays stopped) and says so', async () => {
    const N = 3;
    const base = await freePortRun(N);
    // Slow to listen: the rollout spends seconds on each instance, so the person's stop lands mid-rollout.
    td = await startTestDaemon({ services: [webService(base, N, { env: { LISTEN_DELAY_MS: '1500' } })] });
    const d = td.daemon;
    const names = ['web:0', 'web:1', 'web:2'];
    await waitHealthy(d, names);
    const before = pidsOf(d);

    const rollout = d.command('/api/services/web/reload', new URLSearchParams({ by: 'test', timeout: '20s' }));
    await waitFor(() => d.runtimes.get('web:0')!.status().pid !== before['web:0'], { timeoutMs: 10_000, message: 'the rollout restarted web:0' });
    const stop = await runCli(['stop', 'web:2', '--state-dir', td.stateDir], { timeoutMs: 30_000 });
    expect(stop.code, stop.stderr).toBe(0);
    const r = await rollout;

    expect(r?.status, String(r?.body.message)).toBe(200);
    expect(r?.body.restarted).toEqual(['web:0', 'web:1']);
    expect(r?.body.skipped).toEqual(['web:2']);
    expect(String(r?.body.message)).toContain('web:2 left stopped (stopped by a person');
    // And it stays stopped.
    await new Promise((res) => setTimeout(res, 1000));
    const st = d.runtimes.get('web:2')!.status();
    expect(st.state).toBe('stopped');
    expect(st.pid).toBeNull();
    expect(d.runtimes.get('web:2')!.persisted().desired).toBe('down');
  }, 60_000);
});
