import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
let server: http.Server | undefined;

afterEach(async () => {
  await td?.stop();
  td = undefined;
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

describe('the daemon runs every probe on one scheduler and reports lateness', () => {
  it('three services, HTTP + memory probes: ticks counted at /api/probe-schedule, one shared process table', async () => {
    const hits = new Map<string, number>();
    server = http.createServer((req, res) => {
      hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
      res.end('ok');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const services = [0, 1, 2].map((i) => ({
      name: `svc-${i}`,
      command: [NODE, '-e', 'setInterval(() => {}, 1000)'],
      probes: [
        { kind: 'http', name: 'health', url: `http://127.0.0.1:${port}/svc/${i}`, interval: '200ms', timeout: '1s', startupGrace: 0 },
        { kind: 'memory', name: 'memory', limit: '1GiB', interval: '200ms' },
      ],
    }));
    td = await startTestDaemon({ services });
    const base = `http://127.0.0.1:${td.daemon.api!.port}`;
    await waitFor(() => [0, 1, 2].every((i) => (hits.get(`/svc/${i}`) ?? 0) >= 5), { timeoutMs: 15_000, message: 'five probes per service' });
    const report = (await getJson(`${base}/api/probe-schedule`)) as { lateness: { count: number; p99Ms: number; pending: number; buckets: unknown[] }; processTableScans: number };
    expect(report.lateness.count).toBeGreaterThanOrEqual(15);
    expect(report.lateness.buckets.length).toBeGreaterThan(5);
    expect(report.lateness.pending).toBeGreaterThanOrEqual(1);
    // Each service's status still shows both probes with results.
    const status = td.daemon.status() as { services: Array<{ probes?: Array<{ lastResult: { status: string } | null }> }> };
    for (const s of status.services) expect(s.probes?.every((p) => p.lastResult?.status === 'success')).toBe(true);
  });
});
