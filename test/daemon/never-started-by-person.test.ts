// A `restart: never` service kept down after its crash and then started by a person recovered "auto-resolved": the
// journal, `clawback incidents`, the digest (100% auto-resolved) and the metrics credited the ladder with a person's act.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { summarizeIncidents } from '../../src/observe/incidents.js';
import { computeDigest } from '../../src/observe/digest.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a failed restart: never service a person starts again', () => {
  it('is resolved by that person, in the journal, the incident list and the digest', { timeout: 60_000 }, async () => {
    const flag = path.join(tempDir('clawback-never-flag-'), 'fixed');
    // Crashes (exit 3) until the flag file exists, then runs.
    const script = `require('fs').existsSync(${JSON.stringify(flag)}) ? setInterval(() => {}, 1e6) : process.exit(3)`;
    td = await startTestDaemon({ services: [{ name: 'job', command: [NODE, '-e', script], restart: { policy: 'never' } }] });
    const t = td;
    const rt = t.daemon.runtimes.get('job')!;
    await waitFor(() => rt.status().keptDown === 'never' && rt.status().incident, { timeoutMs: 20_000, message: 'the crash kept down' });
    const id = rt.status().incident!.id;
    writeFileSync(flag, 'ok');
    expect((await rt.start('human')).ok).toBe(true);
    const resolved = () => t.events.find((e) => e.type === 'incident.resolved' && e.incidentId === id);
    await waitFor(() => resolved(), { timeoutMs: 40_000, message: 'the incident to resolve' });
    expect(resolved()!.details?.outcome).toBe('human-resolved');
    expect(t.events.some((e) => e.type === 'incident.action' && e.incidentId === id && e.details?.action === 'human-start')).toBe(true);
    await waitFor(() => t.journal().some((e) => e.type === 'incident.resolved'), { timeoutMs: 10_000 });
    const inc = summarizeIncidents(t.journal()).find((i) => i.id === id)!;
    expect(inc).toMatchObject({ status: 'resolved', outcome: 'human-resolved' });
    const digest = computeDigest(t.journal(), { days: 1, now: Date.now() + 1 });
    expect(digest).toMatchObject({ incidents: 1, autoResolved: 0, humanResolved: 1 });
  });
});
