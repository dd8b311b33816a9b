// Time to recover starts at the first failure signal: for a probe, the first failed check of the run of failures that
// made the instance unhealthy, not the verdict (failureThreshold - 1 intervals later). Real daemon, real HTTP probe
// against a loopback server that starts failing, and the CLI's `incidents --json` / `incident ID` reading the journal.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const INTERVAL_MS = 300;
const THRESHOLD = 4;

let td: TestDaemon | undefined;
let server: http.Server | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe('time to recover of a probe incident', () => {
  it('counts from the first failed check, and the CLI reports that', async () => {
    let failing = false;
    server = http.createServer((_req, res) => {
      res.statusCode = failing ? 500 : 200;
      res.end(failing ? 'broken' : 'ok');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    td = await startTestDaemon({
      services: [
        {
          name: 'web',
          command: [NODE, path.join(FIXTURES, 'sleeper.mjs')],
          probes: [{ kind: 'http', name: 'health', url: `http://127.0.0.1:${port}/health`, interval: `${INTERVAL_MS}ms`, timeout: '1s', failureThreshold: THRESHOLD }],
        },
      ],
    });
    const daemon = td.daemon;
    await waitFor(() => (daemon.status() as { services: Array<{ health: string }> }).services[0]!.health === 'healthy' || null, {
      timeoutMs: 20_000,
      message: 'the service to turn healthy',
    });

    const brokeAt = Date.now();
    failing = true;
    const opened = await waitFor(() => td!.events.find((e) => e.type === 'incident.opened') ?? null, { timeoutMs: 20_000, message: 'the incident to open' });
    failing = false;
    const resolved = await waitFor(() => td!.events.find((e): e is ClawbackEvent => e.type === 'incident.resolved') ?? null, {
      timeoutMs: 30_000,
      message: 'the incident to resolve',
    });

    const first = opened.details!['firstSignalAt'] as number;
    // The first failed check began after the break, within about one interval of it (generous: a loaded machine).
    expect(first).toBeGreaterThanOrEqual(brokeAt - 50);
    expect(first - brokeAt).toBeLessThan(INTERVAL_MS + 3000);
    // The verdict needed THRESHOLD failures, each at least one interval after the one before.
    expect(opened.time - first).toBeGreaterThanOrEqual((THRESHOLD - 1) * INTERVAL_MS - 50);
    // The daemon's own figure counts from the first signal to the first healthy verdict (the one that held), so it
    // is longer than open -> healthy again; the resolution itself waited for health to hold (doctor.confirmAfter, 5 s).
    const ttrMs = resolved.details!['ttrMs'] as number;
    const healthyAgain = td.events.find((e) => e.type === 'service.healthy' && e.time >= opened.time)!;
    expect(ttrMs).toBe(healthyAgain.time - first);
    expect(ttrMs).toBeGreaterThanOrEqual(healthyAgain.time - opened.time + (THRESHOLD - 1) * INTERVAL_MS - 50);
    expect(resolved.time - healthyAgain.time).toBeGreaterThanOrEqual(5000);

    // The CLI reads the same definition from the journal.
    const list = await runCli(['incidents', '--json', '--state-dir', td.stateDir], { timeoutMs: 30_000 });
    expect(list.code, list.stderr).toBe(0);
    const [inc] = JSON.parse(list.stdout) as Array<{ id: string; ttrMs: number; firstSignalAt?: number }>;
    expect(inc!.id).toBe(opened.incidentId);
    expect(inc!.firstSignalAt).toBe(first);
    expect(inc!.ttrMs).toBe(ttrMs);
    const one = await runCli(['incident', opened.incidentId!, '--state-dir', td.stateDir], { timeoutMs: 30_000 });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/recovered in \d/);
  }, 90_000);
});
