// `clawback reload NAME --timeout 10` read as 10 ms (or 0) restarted web:0 and failed at once ("not healthy 0 s after
// its restart"): an instance taken down for nothing. Such a timeout is refused before anything restarts.
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { freePortRun, pidsOf, waitHealthy, webService } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('rolling restart timeout bounds', () => {
  it('a timeout under 1 s or over 1 h is refused naming the value, and no instance restarts; 5s rolls', async () => {
    const base = await freePortRun(2);
    td = await startTestDaemon({ services: [webService(base, 2)] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1']);
    const before = pidsOf(d);

    for (const timeout of ['10', '0', '500ms', '2h']) {
      const r = await d.command('/api/services/web/reload', new URLSearchParams({ by: 'test', timeout }));
      expect(r?.status, timeout).toBe(400);
      expect(String(r?.body.message)).toContain(`timeout: expected a duration from 1s to 1h`);
      expect(String(r?.body.message)).toContain(JSON.stringify(timeout));
    }
    const cli = await runCli(['reload', 'web', '--timeout', '10', '--state-dir', td.stateDir], { timeoutMs: 30_000 });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('--timeout: expected a duration from 1s to 1h');
    expect(cli.stderr).toContain('a number without a unit is milliseconds');
    expect(pidsOf(d)).toEqual(before);
    expect(td.events.some((e) => e.type === 'service.rollout-failed' || e.type === 'service.restarting')).toBe(false);

    const ok = await d.command('/api/services/web/reload', new URLSearchParams({ by: 'test', timeout: '20s' }));
    expect(ok?.status, String(ok?.body.message)).toBe(200);
    expect(pidsOf(d)['web:0']).not.toBe(before['web:0']);
  }, 90_000);
});
