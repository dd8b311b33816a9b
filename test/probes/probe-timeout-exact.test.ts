// A probe's timeout is exact: an answer that comes after it is a timeout, whatever grid the deadline fires on.
import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { probeSchema } from '../../src/probes/probe-schema.js';
import { createProbe } from '../../src/probes/registry.js';
import { ProbeScheduler } from '../../src/probes/probe-scheduler.js';
import { ProbeWorker, type ProbeTickReport } from '../../src/probes/probe-worker.js';
import { waitFor } from '../helpers/processes.js';

describe('probe timeout', () => {
  let server: http.Server | undefined;
  let worker: ProbeWorker | undefined;
  let scheduler: ProbeScheduler | undefined;
  afterEach(async () => {
    worker?.stop();
    scheduler?.stop();
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
    }
    server = worker = scheduler = undefined;
  });

  it('a 1060 ms answer with timeout 1s is a failure on every check (the daemon scheduler rounds deadlines to 100 ms)', async () => {
    server = http.createServer((_req, res) => {
      setTimeout(() => res.end('ok'), 1060);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const cfg = probeSchema.parse({ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '1500ms', timeout: '1s', startupGrace: 0, failureThreshold: 10 });
    const clock = systemClock();
    scheduler = new ProbeScheduler(clock);
    const results: ProbeTickReport[] = [];
    worker = new ProbeWorker({
      config: cfg,
      probe: createProbe(cfg),
      clock,
      scheduler,
      target: () => ({ pid: process.pid, startedAt: 1 }),
      onResult: (r) => results.push(r),
      onVerdict: () => undefined,
    });
    worker.start();
    await waitFor(() => results.length >= 3, { timeoutMs: 20_000, message: 'three checks' });
    expect(results.slice(0, 3).map((r) => r.result.status)).toEqual(['failure', 'failure', 'failure']);
    for (const r of results.slice(0, 3)) expect(r.result).toMatchObject({ finding: 'hang', message: expect.stringMatching(/over its 1000 ms timeout|no response in/) });
  }, 30_000);
});
