// /metrics says which services are down on purpose, so ClawbackServiceDown does not page for a finished job or a stop.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { parseExposition, sample } from './exposition.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('clawback_service_expected_up', () => {
  it('is 0 for a job its policy leaves down after a clean exit and for a service a person stopped, 1 once started again', async () => {
    td = await startTestDaemon({
      services: [
        { name: 'job', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '0', '0'], restart: { policy: 'on-failure' } },
        { name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
      ],
    });
    const d = td.daemon;
    const scrape = async () => parseExposition(await (await fetch(`http://127.0.0.1:${d.api!.port}/metrics`)).text());
    const expected = async (service: string) => sample(await scrape(), 'clawback_service_expected_up', { service });
    await waitFor(async () => (await expected('job')) === 0 && (await expected('svc')) === 1, { timeoutMs: 15_000 });
    expect(sample(await scrape(), 'clawback_service_up', { service: 'job' })).toBe(0);

    expect((await d.action('svc', 'stop')).ok).toBe(true);
    await waitFor(async () => (await expected('svc')) === 0, { timeoutMs: 15_000 });
    expect(sample(await scrape(), 'clawback_service_up', { service: 'svc' })).toBe(0);

    expect((await d.action('svc', 'start')).ok).toBe(true);
    await waitFor(async () => (await expected('svc')) === 1, { timeoutMs: 15_000 });
  }, 60_000);
});
