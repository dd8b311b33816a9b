// Autoscaling on real processes: a CPU-burning instance brings a second one; when the burn stops the group goes back down.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { INSTANCE_SERVER, freePortRun, waitHealthy } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('autoscale', () => {
  it('scales up on CPU and back down after the load stops; each decision journaled at info and shown in /metrics', async () => {
    const base = await freePortRun(2);
    const flag = path.join(process.env.TMPDIR ?? '/tmp', `burn-${process.pid}-${base}`);
    td = await startTestDaemon({
      services: [
        {
          name: 'web',
          command: [process.execPath, INSTANCE_SERVER, '{port}', flag],
          port: base,
          stop: { grace: '2s' },
          // Short windows for the test; a loaded machine (load 10+ on 2 cores) still gives a burner well over 11 %.
          autoscale: { min: 1, max: 2, metric: 'cpu', target: 10, window: '2s', interval: '250ms', cooldown: '2s' },
        },
      ],
    });
    const d = td.daemon;
    try {
      await waitHealthy(d, ['web:0']);
      expect([...d.runtimes.keys()]).toEqual(['web:0']);
      writeFileSync(flag, '1');
      await waitFor(() => td!.events.some((e) => e.type === 'service.scaled'), { timeoutMs: 30_000, message: 'the autoscaler to add web:1' });
      expect(d.runtimes.has('web:1')).toBe(true);
      const up = td.events.find((e) => e.type === 'service.scaled');
      expect(up).toMatchObject({ severity: 'info', service: 'web', details: { from: 1, to: 2, by: 'autoscale' } });
      expect(up?.message).toMatch(/cpu: average .* above the target 10/);
      await waitHealthy(d, ['web:1']);

      const metrics = (await httpGet(`http://127.0.0.1:${d.api!.port}/metrics`)).body;
      expect(metrics).toContain('clawback_service_instances{service="web"} 2');
      expect(metrics).toMatch(/clawback_autoscale_value\{service="web",metric="cpu"\} \d/);
      expect(metrics).toContain('clawback_autoscale_target{service="web",metric="cpu"} 10');
      expect(metrics).toMatch(/clawback_autoscale_load\{service="web",metric="cpu"\} \d/);
      expect(metrics).toContain('clawback_instance_up{service="web",instance="1"}');

      rmSync(flag, { force: true });
      await waitFor(() => td!.events.filter((e) => e.type === 'service.scaled').length >= 2, { timeoutMs: 40_000, message: 'the autoscaler to remove web:1' });
      expect(d.runtimes.has('web:1')).toBe(false);
      const scaled = td.events.filter((e) => e.type === 'service.scaled');
      expect(scaled.map((e) => [e.details?.from, e.details?.to])).toEqual([
        [1, 2],
        [2, 1],
      ]);
      expect(scaled[1]!.message).toMatch(/peak .* below the target/);
      const journaled = td.journal().filter((e) => e.type === 'service.scaled');
      expect(journaled.length).toBe(2);
    } finally {
      rmSync(flag, { force: true });
    }
  }, 120_000);
});
