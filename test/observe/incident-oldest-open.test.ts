// clawback_incident_oldest_open_start_time_seconds: the oldest open incident's start, the same across a daemon restart.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observe/metrics.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { parseExposition, sample } from './exposition.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const oldest = async (t: TestDaemon): Promise<number | undefined> =>
  sample(parseExposition(await (await fetch(`http://127.0.0.1:${t.daemon.api!.port}/metrics`)).text()), 'clawback_incident_oldest_open_start_time_seconds', { service: 'svc' });

describe('the oldest open incident', () => {
  it("exports its start time (ClawbackIncidentOpenTooLong's age), and keeps it across a daemon restart", async () => {
    td = await startTestDaemon({
      services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '2', '0'], restart: { backoff: { initial: '50ms', max: '100ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '30s' } } }],
    });
    const t = td;
    await waitFor(() => t.daemon.runtimes.get('svc')?.status().incident?.status === 'waiting-human', { timeoutMs: 15_000 });
    const openedAt = t.daemon.runtimes.get('svc')!.currentIncident()!.openedAt;
    expect(await oldest(t)).toBe(openedAt / 1000);
    const dir = t.dir;
    await t.stop();
    // The next daemon reads the incident back from state.json: its age goes on, it does not start again at 0.
    td = await startTestDaemon({ services: [] }, { dir });
    expect(td.daemon.runtimes.get('svc')?.currentIncident()?.openedAt).toBe(openedAt);
    expect(await oldest(td)).toBe(openedAt / 1000);
  }, 60_000);

  it('is absent while no incident is open', async () => {
    td = await startTestDaemon({ services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const t = td;
    await waitFor(() => t.daemon.runtimes.get('svc')?.status().state === 'running', { timeoutMs: 15_000 });
    const text = await (await fetch(`http://127.0.0.1:${t.daemon.api!.port}/metrics`)).text();
    expect(text).toContain('# TYPE clawback_incident_oldest_open_start_time_seconds gauge');
    expect(await oldest(t)).toBeUndefined();
  }, 30_000);

  it('follows the oldest one: a second incident opened before the first resolved takes over, and none open drops it', async () => {
    const m = createMetrics();
    const ev = (type: ClawbackEvent['type'], incidentId: string, time: number): ClawbackEvent => ({ type, time, severity: 'info', message: type, service: 'svc', incidentId, level: 0, details: {} });
    const read = async (): Promise<number | undefined> => sample(parseExposition(await m.render()), 'clawback_incident_oldest_open_start_time_seconds', { service: 'svc' });
    m.onEvent(ev('incident.opened', 'a', 1_000_000));
    m.onEvent(ev('incident.opened', 'b', 2_200_000));
    expect(await read()).toBe(1000);
    m.onEvent(ev('incident.resolved', 'a', 2_200_000));
    expect(await read()).toBe(2200);
    m.onEvent(ev('incident.resolved', 'b', 3_000_000));
    expect(await read()).toBeUndefined();
    m.stop();
  });
});
