// A failed `restart: never` incident closed by a person's `clawback stop` was listed "human-resolved" (TTR "-") by
// `clawback incidents`, its --json and the dashboard, and the digest counted it "Resolved by a human": nobody resolved
// anything, the service was stopped down. Real daemon, real crash, real stop, the real CLI on its journal.
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { computeDigest, renderDigest } from '../../src/observe/digest.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('an incident closed by a stop', () => {
  it('reads closed-by-stop in the list, --json and the digest, not human-resolved', { timeout: 60_000 }, async () => {
    td = await startTestDaemon({ services: [{ name: 'job', command: [NODE, '-e', 'process.exit(3)'], restart: { policy: 'never' } }] });
    const t = td;
    const rt = t.daemon.runtimes.get('job')!;
    await waitFor(() => rt.status().keptDown === 'never' && rt.status().incident, { timeoutMs: 20_000, message: 'the crash kept down' });
    const id = rt.status().incident!.id;
    expect((await rt.stop('human')).ok).toBe(true);
    await waitFor(() => t.journal().some((e) => e.type === 'incident.resolved' && e.incidentId === id), { timeoutMs: 10_000, message: 'the close journaled' });

    const json = await runCli(['--state-dir', t.stateDir, 'incidents', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const [inc] = JSON.parse(json.stdout) as Array<{ id: string; outcome: string; closedBy?: string; ttrMs?: number }>;
    expect(inc).toMatchObject({ id, outcome: 'closed-by-stop', closedBy: 'stop' });
    expect(inc!.ttrMs).toBeUndefined();
    const list = await runCli(['--state-dir', t.stateDir, 'incidents']);
    expect(list.stdout).toContain('closed-by-stop');
    expect(list.stdout).not.toContain('human-resolved');
    const one = await runCli(['--state-dir', t.stateDir, 'incident', id]);
    expect(one.stdout.split('\n')[0]).toMatch(/closed-by-stop.*closed without recovering \(a person stopped the service\)/);

    const digest = computeDigest(t.journal(), { days: 1, now: Date.now() + 1 });
    expect(digest).toMatchObject({ incidents: 1, autoResolved: 0, humanResolved: 0, closedWithoutRecovery: 1 });
    expect(renderDigest(t.journal(), { days: 1, now: Date.now() + 1 })).toContain('| Resolved by a human | 0 |');
  });
});
