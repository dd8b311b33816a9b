// A person's stop during a crash loop's backoff, then start, on real processes: the incident closes at the stop and the start gets a fresh backoff.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';

let daemon: TestDaemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});

describe('stop during the backoff of a crash loop, then start', () => {
  it('closes the Level 0 incident at the stop and restarts the next exit at once after the start', { timeout: 60_000 }, async () => {
    daemon = await startTestDaemon({
      services: [
        {
          name: 'crashy',
          command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '200'],
          restart: { backoff: { initial: '1s', max: '30s', multiplier: 4, jitter: 0 }, intensity: { maxRestarts: 50, window: '10m' } },
        },
      ],
    });
    const rt = daemon.daemon.runtimes.get('crashy')!;
    // Exits at once, again (restarted at once), again (1 s later): now waiting out a 4 s backoff.
    await waitFor(() => rt.status().state === 'backoff' && (rt.status().restarts ?? 0) >= 2, { timeoutMs: 20_000 });
    const incident = rt.status().incident!.id;
    const stopped = await rt.stop('human');
    expect(stopped.ok).toBe(true);
    // The person's stop ends the incident: nothing would ever restart the service to resolve it.
    expect(rt.status().incident).toBeNull();
    const closed = daemon.events.filter((e) => e.type === 'incident.resolved' && e.incidentId === incident);
    expect(closed).toHaveLength(1);
    expect(closed[0]!.details).toMatchObject({ closedBy: 'stop', outcome: 'human-resolved' });
    const api = (JSON.parse(readFileSync(path.join(daemon.stateDir, 'daemon.json'), 'utf8')) as { api: { port: number } }).api.port;
    const metrics = await httpGet(`http://127.0.0.1:${api}/metrics`);
    expect(metrics.body).toMatch(/clawback_incidents_open\{service="crashy"\} 0/);

    const mark = daemon.events.length;
    await rt.start('human');
    // The start's instance exits: a new incident, restarted at once (attempt 0), not after the loop's next 16 s delay.
    const scheduled = await waitFor(() => daemon!.events.slice(mark).find((e) => e.type === 'service.restart-scheduled'), { timeoutMs: 10_000 });
    expect(scheduled.details).toMatchObject({ delayMs: 0, attempt: 0 });
    const opened = daemon.events.slice(mark).find((e) => e.type === 'incident.opened');
    expect(opened?.incidentId).toBeDefined();
    expect(opened!.incidentId).not.toBe(incident);
  });
});
