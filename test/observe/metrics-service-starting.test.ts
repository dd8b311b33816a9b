// /metrics says which services are still in their start-up window (startup.timeout), so an alert or a dashboard can tell
// a slow first start (OpenClaw's can take minutes) from a service that is down.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { parseExposition, sample } from './exposition.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('clawback_service_starting', () => {
  it('is 1 while the start-up window is open and 0 once the first healthy check closed it; 0 for a service with none', async () => {
    const port = await freePort();
    td = await startTestDaemon({
      services: [
        {
          name: 'slow',
          command: [NODE, path.join(FIXTURES, 'instance-server.mjs'), String(port)],
          env: { LISTEN_DELAY_MS: '4000' },
          startup: { timeout: '60s' },
          probes: [{ kind: 'http', name: 'liveness', url: `http://127.0.0.1:${port}/`, interval: '500ms', timeout: '400ms', failureThreshold: 2, startupGrace: '1s' }],
        },
        { name: 'plain', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
      ],
    });
    const d = td.daemon;
    const scrape = async () => parseExposition(await (await fetch(`http://127.0.0.1:${d.api!.port}/metrics`)).text());
    const starting = async (service: string) => sample(await scrape(), 'clawback_service_starting', { service });
    await waitFor(async () => (await starting('slow')) === 1, { timeoutMs: 10_000, message: 'slow shown starting' });
    expect(d.runtimes.get('slow')!.status().startup).toBeDefined();
    expect(await starting('plain')).toBe(0);
    await waitFor(() => d.runtimes.get('slow')!.status().health === 'healthy', { timeoutMs: 30_000, message: 'slow healthy' });
    await waitFor(async () => (await starting('slow')) === 0, { timeoutMs: 10_000, message: 'slow no longer shown starting' });
  }, 60_000);
});
