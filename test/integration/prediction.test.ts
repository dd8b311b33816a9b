// Failure prediction in the daemon: a steady leak is restarted ahead of the limit, and the forecast is visible.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, NODE, type TestDaemon } from '../helpers/daemon.js';
import { httpPost, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { treeRssBytes } from '../../src/platform/proc.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('prediction', () => {
  it('restarts a leaking gateway before it crosses the memory limit', async () => {
    const port = await freePort();
    const limitMiB = 400;
    td = await startTestDaemon({
      services: [
        {
          name: 'gw',
          command: [NODE, DEMO_GATEWAY_SERVER, '--port', String(port)],
          probes: [
            { kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '500ms', timeout: '500ms' },
            { kind: 'memory', limit: `${limitMiB}MiB`, interval: '250ms' },
          ],
          prediction: { memory: { window: '8s', minSamples: 12, horizon: '2m', proactiveRestart: true, safetyMargin: '1s' } },
        },
      ],
    });
    const t = td;
    const rt = t.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 10_000 });
    const pid = rt.status().pid!;
    let peak = 0;
    const sampler = setInterval(() => {
      if (rt.status().pid === pid) peak = Math.max(peak, treeRssBytes(pid));
    }, 50);
    try {
      await httpPost(`http://127.0.0.1:${port}/fault/leak?mbPerSec=15`, 1000);
      await waitFor(() => rt.status().pid !== pid && rt.status().pid !== null, { timeoutMs: 40_000 });
    } finally {
      clearInterval(sampler);
    }
    const warning = t.events.find((e) => e.type === 'prediction.warning');
    expect(warning?.details).toMatchObject({ kind: 'memory', action: 'restart' });
    expect(t.events.find((e) => e.type === 'service.restarting')?.details?.reason).toBe('prediction');
    // Restarted ahead of time: the limit was never reached.
    expect(peak).toBeLessThan(limitMiB * 1024 * 1024);
    expect(t.events.some((e) => e.type === 'service.unhealthy')).toBe(false);
  });
});
