// A service's predictor lives as long as its runtime: a removed service leaves no forecast in /metrics, an added one shows its forecast.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const sleeper = (name: string) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] });
/** Grows by 4 MiB every 100 ms (capped at 400 MiB): a rising memory forecast within seconds. */
const leaky = {
  name: 'leaky',
  command: [NODE, '-e', 'const k = []; setInterval(() => { if (k.length < 100) k.push(Buffer.alloc(4 << 20, 1)); }, 100)'],
  probes: [{ kind: 'memory', limit: '2GiB', interval: '250ms' }],
  prediction: { memory: { window: '10s', minSamples: 5, minConfidence: 0.5 } },
};

describe('predictors follow the runtimes', () => {
  it('a service removed by a reload takes its forecast series along; one added by a reload shows its forecast in status', async () => {
    td = await startTestDaemon({ services: [sleeper('steady'), leaky] });
    const d = td.daemon;
    const metrics = async (): Promise<string> => (await httpGet(`http://127.0.0.1:${d.api!.port}/metrics`)).body;
    const series = 'clawback_memory_forecast_eta_seconds{service="leaky"}';
    await waitFor(async () => (await metrics()).includes(series), { timeoutMs: 20_000, message: () => 'a rising forecast for leaky' });

    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [sleeper('steady'), sleeper('added')] })));
    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(r?.body).toMatchObject({ added: ['added'], removed: ['leaky'] });
    expect(d.runtimes.has('leaky')).toBe(false);
    // Before, the removed service's last ETA stayed in /metrics for the daemon's life (an alert on it never cleared).
    expect(await metrics()).not.toContain(series);
    const status = d.status() as { services: Array<{ name: string; forecast?: unknown }> };
    expect(status.services.map((s) => s.name).sort()).toEqual(['added', 'steady']);
    // Before, only the services present at boot had a forecast in status.
    for (const s of status.services) expect(s.forecast).toEqual({ memory: null, latency: null });
  }, 60_000);
});
