// `clawback drill dependency-down` on a gateway reached through a slow path: every answer, /readyz too, takes 1.5 s (a
// loaded machine, a reverse proxy in front of it), inside the health probe's 3 s timeout, so the daemon finds it
// healthy. The drill's readiness looks gave up after a fixed 1 s: it saw neither the 503 during the outage nor the 200
// after it and FAILED the trial ("never said not ready; ...; not ready within 30.0 s after the fault was lifted") though
// the gateway said both. A slow answer is an answer: each look is bounded by the time left of the wait it belongs to.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { httpGet, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';

const DEPENDENCY = fileURLToPath(new URL('../../examples/demo-gateway/dependency.mjs', import.meta.url));
const DELAY_MS = 1500;

/** A real reverse proxy on loopback that forwards every request to the gateway after DELAY_MS. */
function slowProxy(proxyPort: number, target: () => number): Promise<http.Server> {
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const t = setTimeout(() => {
      timers.delete(t);
      const up = http.get({ host: '127.0.0.1', port: target(), path: req.url, agent: false }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
    }, DELAY_MS);
    timers.add(t);
    req.on('close', () => {
      if (timers.delete(t)) clearTimeout(t);
    });
  });
  server.on('close', () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  });
  return new Promise((resolve) => server.listen(proxyPort, '127.0.0.1', () => resolve(server)));
}

describe('drill dependency-down on a gateway whose answers take 1.5 s', () => {
  let dep: MarkedChild;
  let d: DrillDaemon;
  let proxy: http.Server;

  beforeAll(async () => {
    dep = spawnMarked(NODE, [DEPENDENCY, '--port', '0']);
    const out = await dep.waitForStdout('"listening"', 10_000);
    const depUrl = `http://127.0.0.1:${/"port":(\d+)/.exec(out)![1]}/`;
    const proxyPort = await freePort();
    let gatewayPort = 0;
    proxy = await slowProxy(proxyPort, () => gatewayPort);
    d = await startDrillDaemon('gateway', {
      gateway: { dependency: { url: depUrl, intervalMs: 200 } },
      healthUrl: (port) => {
        gatewayPort = port;
        return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/health`;
      },
      healthTimeout: '3s',
    });
    await waitFor(async () => (await httpGet(`http://127.0.0.1:${d.port}/readyz`, 1000)).status === 200, { timeoutMs: 20_000 });
  }, 90_000);

  afterAll(async () => {
    await d?.stop();
    dep?.kill();
    proxy?.closeAllConnections();
    await new Promise((r) => proxy?.close(() => r(undefined)) ?? r(undefined));
  });

  it('sees the 503 during the outage and the 200 after it: passes', async () => {
    const r = await runCli(['drill', 'dependency-down', '--json', '--yes', '--timeout', '30', '--state-dir', d.stateDir], { timeoutMs: 150_000 });
    const report = JSON.parse(r.stdout) as DrillReport;
    const trial = report.trials[0]!;
    expect(trial.outcome).toMatch(/not ready after \d/);
    expect(trial.outcome).toMatch(/ready again/);
    expect(trial).toMatchObject({ scenario: 'dependency-down', recovered: true, asExpected: true });
    expect(r.code, r.stderr).toBe(0);
  }, 180_000);
});
