// A `restart: never` service that crashed is kept down ("failed, kept down" in `clawback status`), but its incident was
// listed "open" for ever by `clawback incidents`, --json and the dashboard: the journal had nothing past its opening.
// Real daemon, real crashing child, the real CLI and API read the journal: the incident ends as "failed" (systemd's
// word), is open again once a person starts the service, and still fails again on the next crash.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { summarizeIncidents } from '../../src/observe/incidents.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('the incident of a restart: never crash', () => {
  it('reads "failed" in the CLI, its --json and the API, not "open" for ever', async () => {
    td = await startTestDaemon({
      services: [{ name: 'job', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '3', '200'], restart: { policy: 'never' } }],
    });
    const t = td;
    await waitFor(() => t.journal().some((e) => e.type === 'service.stopped' && e.incidentId && e.details?.['keptDown'] === 'never'), { timeoutMs: 20_000, message: 'the crash to be kept down' });
    const [inc] = summarizeIncidents(t.journal());
    expect(inc).toMatchObject({ service: 'job', status: 'failed', outcome: 'failed' });
    expect(inc!.ttrMs).toBeUndefined();

    const json = await runCli(['--state-dir', t.stateDir, 'incidents', '--json'], { timeoutMs: 20_000 });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id: inc!.id, status: 'failed', outcome: 'failed' })]);
    const list = await runCli(['--state-dir', t.stateDir, 'incidents'], { timeoutMs: 20_000 });
    expect(list.stdout).toMatch(new RegExp(`${inc!.id}\\s+job\\s+\\S+ \\S+\\s+0\\s+failed\\s`));
    const api = (await (await fetch(`http://127.0.0.1:${t.daemon.api!.port}/api/incidents`)).json()) as Array<{ id: string; status: string; outcome: string }>;
    expect(api).toEqual([expect.objectContaining({ id: inc!.id, status: 'failed', outcome: 'failed' })]);

    // A person starts it: the same incident is open again while it runs, and failed again when it crashes again.
    const starts = t.journal().filter((e) => e.type === 'service.started').length;
    const exits = t.journal().filter((e) => e.type === 'service.stopped' && e.details?.['keptDown'] === 'never').length;
    const started = await runCli(['--state-dir', t.stateDir, 'start', 'job'], { timeoutMs: 20_000 });
    expect(started.code, started.stderr).toBe(0);
    await waitFor(() => t.journal().filter((e) => e.type === 'service.started').length > starts, { timeoutMs: 20_000, message: 'the start' });
    await waitFor(() => t.journal().filter((e) => e.type === 'service.stopped' && e.details?.['keptDown'] === 'never').length > exits, { timeoutMs: 20_000, message: 'the second crash' });
    const again = summarizeIncidents(t.journal());
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: inc!.id, status: 'failed', outcome: 'failed' });
  }, 60_000);

  it('is open again while the service a person started runs', () => {
    const base = { service: 'job', incidentId: 'inc-1', severity: 'warning' as const, message: '' };
    const events = [
      { ...base, type: 'incident.opened' as const, time: 1, details: { reason: 'process ended (exit code 3)', firstSignalAt: 1 } },
      { ...base, type: 'service.stopped' as const, time: 2, details: { keptDown: 'never' } },
      { ...base, type: 'service.started' as const, time: 3, details: { pid: 5, reason: 'manual' } },
    ];
    expect(summarizeIncidents(events.slice(0, 2))[0]).toMatchObject({ status: 'failed', outcome: 'failed' });
    expect(summarizeIncidents(events)[0]).toMatchObject({ status: 'open', outcome: 'open' });
  });
});
