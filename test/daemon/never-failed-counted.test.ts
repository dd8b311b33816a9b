// A `restart: never` crash kept down read "failed" in `clawback incidents`, but clawback_incidents_total had no such
// outcome (nothing at all until a person acted) and the digest said only "Still open 1": real daemon, real crash.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { renderDigest } from '../../src/observe/digest.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a restart: never crash kept down', () => {
  it('is counted failed once in incidents_total, stays in incidents_open, and the digest names it', { timeout: 60_000 }, async () => {
    td = await startTestDaemon({ services: [{ name: 'job', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '3', '100'], restart: { policy: 'never' } }] });
    const t = td;
    const rt = t.daemon.runtimes.get('job')!;
    await waitFor(() => rt.status().keptDown === 'never' && rt.status().incident, { timeoutMs: 20_000, message: 'the crash kept down' });
    const metrics = async (): Promise<string> => (await httpGet(`http://127.0.0.1:${t.daemon.api!.port}/metrics`)).body;
    await waitFor(async () => (await metrics()).includes('outcome="failed"'), { timeoutMs: 10_000, message: 'incidents_total{outcome="failed"}' });
    const text = await metrics();
    expect(text).toContain('clawback_incidents_total{service="job",outcome="failed",highest_level="0"} 1');
    // Not resolved: an alert on incidents_open > 0 goes on firing while the service is down.
    expect(text).toContain('clawback_incidents_open{service="job"} 1');
    await waitFor(() => t.journal().some((e) => e.type === 'service.stopped'), { timeoutMs: 10_000 });
    expect(renderDigest(t.journal(), { days: 1, now: Date.now() + 1 })).toContain('| Still open | 1 (1 failed, kept down until a person starts it) |');
  });
});
