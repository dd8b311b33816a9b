// An autoscaler decision the scale path refuses (a scale down that would stop the only serving instance) changes
// nothing and says so: journaled once per reason as service.scale-refused, shown in the view; before, it was dropped.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePortRun, pidsOf, waitHealthy, webService } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('autoscale refused', () => {
  it('a scale down that would stop the only serving instance: refused, journaled once, retried after the cool-down once it is safe', async () => {
    const base = await freePortRun(2);
    const dir = tempDir();
    // web:0 runs without listening (never healthy) while its flag exists; web:1 serves. Idle CPU asks for 1 instance.
    const flag = path.join(dir, 'nolisten-0');
    writeFileSync(flag, '');
    const svc = webService(base, 2, {
      env: { NO_LISTEN_FLAG: path.join(dir, 'nolisten-{instance}') },
      probes: [{ kind: 'http', url: 'http://127.0.0.1:{port}/', interval: '200ms', timeout: '1s', failureThreshold: 2, startupGrace: '120s' }],
      autoscale: { min: 1, max: 2, metric: 'cpu', target: 10, window: '1s', interval: '250ms', cooldown: '1s' },
    });
    td = await startTestDaemon({ services: [svc] }, { dir });
    const d = td.daemon;
    await waitHealthy(d, ['web:1']);
    const before = pidsOf(d);

    await waitFor(() => td!.events.some((e) => e.type === 'service.scale-refused'), { timeoutMs: 30_000, message: 'the refused scale down' });
    const refused = td.events.find((e) => e.type === 'service.scale-refused')!;
    expect(refused).toMatchObject({ severity: 'warning', service: 'web', details: { from: 2, to: 1, by: 'autoscale' } });
    expect(String(refused.details?.refused)).toContain('cannot scale to 1 now');
    // Several cool-downs later: still both instances, same pids, and the same refusal journaled once.
    await new Promise((r) => setTimeout(r, 4000));
    expect(pidsOf(d)).toEqual(before);
    expect(td.events.filter((e) => e.type === 'service.scale-refused')).toHaveLength(1);
    expect(td.journal().filter((e) => e.type === 'service.scale-refused')).toHaveLength(1);
    expect(td.events.some((e) => e.type === 'service.scaled')).toBe(false);

    // Once web:0 serves, the next decision goes through.
    rmSync(flag);
    await d.action('web:0', 'restart');
    await waitHealthy(d, ['web:0']);
    await waitFor(() => td!.events.some((e) => e.type === 'service.scaled'), { timeoutMs: 30_000, message: 'the scale down once web:0 serves' });
    expect([...d.runtimes.keys()]).toEqual(['web:0']);
  }, 90_000);
});
