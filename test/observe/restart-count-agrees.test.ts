// `clawback status` and clawback_restarts_total count the same restarts: each when it runs, not when it is scheduled.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { parseExposition } from './exposition.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

async function counts(port: number): Promise<{ status: number; metric: number; phase: string }> {
  const st = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as { services: Array<{ name: string; restarts: number; state: string }> };
  const svc = st.services.find((s) => s.name === 'svc')!;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let metric = 0;
  for (const [k, v] of parseExposition(text)) if (k.startsWith('clawback_restarts_total{') && k.includes('service="svc"')) metric += v;
  return { status: svc.restarts, metric, phase: svc.state };
}

describe('one restart count', () => {
  it('during a backoff, and after a stop cancelled it, status and /metrics say the same number of restarts', async () => {
    // The first restart runs at once (attempt 0), the second waits 30 s in backoff.
    td = await startTestDaemon({
      services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '0'], restart: { backoff: { initial: '30s', max: '30s', jitter: 0 }, intensity: { maxRestarts: 50, window: '10m' } } }],
    });
    const d = td.daemon;
    const port = d.api!.port;
    await waitFor(() => d.runtimes.get('svc')?.status().state === 'backoff' && (d.runtimes.get('svc')?.status().restarts ?? 0) > 0, { timeoutMs: 15_000 });
    const during = await counts(port);
    expect(during.metric).toBeGreaterThan(0);
    expect(during.status).toBe(during.metric);
    // A stop during the backoff cancels the restart that was scheduled: it never ran, and neither counts it.
    await d.runtimes.get('svc')!.stop();
    await waitFor(() => d.runtimes.get('svc')?.status().state !== 'backoff', { timeoutMs: 10_000 });
    const after = await counts(port);
    expect(after.status).toBe(after.metric);
    expect(after.metric).toBe(during.metric);
  }, 60_000);
});
