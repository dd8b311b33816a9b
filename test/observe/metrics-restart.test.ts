// /metrics after a daemon restart with an incident still open: counted as open again, not counted twice.
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

describe('metrics after a daemon restart', () => {
  it('an incident still open (waiting for a human) counts in clawback_incidents_open again, and is not counted twice as escalated', async () => {
    td = await startTestDaemon({
      services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '2', '0'], restart: { backoff: { initial: '50ms', max: '100ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '30s' } } }],
    });
    const t = td;
    await waitFor(() => t.daemon.runtimes.get('svc')?.status().incident?.status === 'waiting-human', { timeoutMs: 15_000 });
    const dir = t.dir;
    const before = Date.now();
    await t.stop();
    td = await startTestDaemon({ services: [] }, { dir });
    const d = td.daemon;
    expect(d.runtimes.get('svc')?.status().incident?.status).toBe('waiting-human');
    const s = parseExposition(await (await fetch(`http://127.0.0.1:${d.api!.port}/metrics`)).text());
    expect(sample(s, 'clawback_incidents_open', { service: 'svc' })).toBe(1);
    expect(sample(s, 'clawback_incidents_total', { service: 'svc', outcome: 'escalated', highest_level: '4' })).toBeUndefined();
    // The counters started from 0 again: the start time says so (ClawbackIncidentEscalated reads it).
    const started = sample(s, 'clawback_daemon_start_time_seconds')!;
    expect(started * 1000).toBeGreaterThanOrEqual(before - 1);
    expect(started * 1000).toBeLessThanOrEqual(Date.now() + 1);
  }, 60_000);
});
