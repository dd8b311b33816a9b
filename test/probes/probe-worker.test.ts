import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../src/platform/clock.js';
import { probeSchema, type ProbeConfig } from '../../src/probes/probe-schema.js';
import { createProbe } from '../../src/probes/registry.js';
import { ProbeWorker, type ProbeTickReport, type ProbeVerdict } from '../../src/probes/probe-worker.js';
import type { Probe, ProbeResult, ProbeStatus, ProbeTarget } from '../../src/probes/probe-types.js';
import { waitFor } from '../helpers/processes.js';

const target: ProbeTarget = { pid: process.pid, startedAt: 1 };
/** Lets promise chains settle (a macrotask turn; the fake clock does not touch setImmediate). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A probe whose answers are scripted; records concurrency. */
function scripted(statuses: () => ProbeStatus, opts: { delayMs?: number; clock?: FakeClock; ignoreAbort?: boolean } = {}) {
  const stats = { calls: 0, running: 0, maxRunning: 0, aborted: 0 };
  const probe: Probe = {
    kind: 'scripted',
    check(_t, signal) {
      stats.calls++;
      stats.running++;
      stats.maxRunning = Math.max(stats.maxRunning, stats.running);
      const done = (r: ProbeResult): ProbeResult => {
        stats.running--;
        return r;
      };
      const status = statuses();
      if (!opts.delayMs || !opts.clock) return Promise.resolve(done({ status, message: status }));
      return new Promise<ProbeResult>((resolve) => {
        const h = opts.clock!.setTimeout(() => resolve(done({ status, message: status })), opts.delayMs!);
        if (!opts.ignoreAbort) {
          signal.addEventListener('abort', () => {
            stats.aborted++;
            h.cancel();
            resolve(done({ status: 'failure', finding: 'hang', message: 'timed out' }));
          });
        }
      });
    },
  };
  return { probe, stats };
}

function config(fields: Record<string, unknown>): ProbeConfig {
  return probeSchema.parse({ kind: 'tcp', port: 1, startupGrace: 0, ...fields });
}

function harness(cfg: ProbeConfig, probe: Probe, clock: FakeClock, getTarget: () => ProbeTarget | undefined = () => target) {
  const results: ProbeTickReport[] = [];
  const verdicts: ProbeVerdict[] = [];
  const worker = new ProbeWorker({
    config: cfg,
    probe,
    clock,
    target: getTarget,
    onResult: (r) => results.push(r),
    onVerdict: (v) => verdicts.push(v),
    random: () => 0.5,
  });
  return { worker, results, verdicts };
}

async function advance(clock: FakeClock, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await flush();
  }
}

describe('ProbeWorker on a fake clock', () => {
  it('starts after a random offset, judges at the threshold, then stays silent until reset', async () => {
    const clock = new FakeClock();
    let status: ProbeStatus = 'failure';
    const { probe, stats } = scripted(() => status);
    const { worker, results, verdicts } = harness(config({ interval: 1000, failureThreshold: 3 }), probe, clock);
    worker.start();
    worker.start(); // idempotent
    await advance(clock, 499);
    expect(stats.calls).toBe(0);
    await advance(clock, 1);
    expect(stats.calls).toBe(1);
    await advance(clock, 1000);
    expect(results).toHaveLength(2);
    expect(verdicts).toHaveLength(0);
    await advance(clock, 1000);
    expect(verdicts).toEqual([expect.objectContaining({ name: 'tcp', verdict: 'unhealthy', previous: 'pending', action: 'restart', consecutiveFailures: 3 })]);
    expect(worker.snapshot()).toMatchObject({ verdict: 'unhealthy', consecutiveFailures: 3, inGrace: false, lastResult: { status: 'failure' } });

    await advance(clock, 10_000);
    expect(stats.calls).toBe(3);
    expect(verdicts).toHaveLength(1);

    status = 'success';
    worker.resetForNewInstance();
    expect(worker.snapshot()).toMatchObject({ verdict: 'pending', consecutiveFailures: 0 });
    await advance(clock, 600);
    expect(verdicts.at(-1)).toMatchObject({ verdict: 'healthy', previous: 'pending' });
    worker.stop();
    worker.stop();
    const calls = stats.calls;
    await advance(clock, 5000);
    expect(stats.calls).toBe(calls);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('unknown results neither count nor reset; grace holds the verdict back', async () => {
    const clock = new FakeClock();
    const script: ProbeStatus[] = ['failure', 'unknown', 'failure', 'unknown', 'failure'];
    const { probe } = scripted(() => script.shift() ?? 'failure');
    const { worker, verdicts, results } = harness(config({ interval: 1000, startupGrace: '10s' }), probe, clock);
    worker.start();
    await advance(clock, 5000);
    expect(results.map((r) => r.result.status)).toEqual(['failure', 'unknown', 'failure', 'unknown', 'failure']);
    expect(worker.snapshot()).toMatchObject({ consecutiveFailures: 3, inGrace: true, verdict: 'pending' });
    expect(verdicts).toHaveLength(0);
    await advance(clock, 4000);
    expect(verdicts).toHaveLength(0);
    await advance(clock, 2000);
    expect(verdicts).toHaveLength(1);
    expect(results.at(-1)).toMatchObject({ verdict: 'unhealthy', inGrace: false });
    worker.stop();
  });

  it('bounds a check by its timeout and never overlaps a slow check', async () => {
    const clock = new FakeClock();
    const { probe, stats } = scripted(() => 'success', { delayMs: 3000, clock });
    const { worker, results } = harness(config({ interval: 1000, timeout: '2s', failureThreshold: 100 }), probe, clock);
    worker.start();
    await advance(clock, 10_000);
    expect(stats.maxRunning).toBe(1);
    expect(stats.aborted).toBeGreaterThan(0);
    expect(results.every((r) => r.result.finding === 'hang')).toBe(true);
    // One check per timeout window: 500 ms offset, then every 2 s.
    expect(results.length).toBeGreaterThanOrEqual(4);
    expect(results.length).toBeLessThanOrEqual(5);
    worker.stop();
  });

  it('keeps one abort signal across clean checks, and a fresh one after a timeout or a leftover listener', async () => {
    const clock = new FakeClock();
    const seen: AbortSignal[] = [];
    let mode: 'clean' | 'hang' | 'leave-listener' = 'clean';
    const probe: Probe = {
      kind: 'signals',
      check(_t, signal) {
        seen.push(signal);
        expect(signal.aborted).toBe(false);
        if (mode === 'leave-listener') signal.addEventListener('abort', () => undefined);
        if (mode !== 'hang') return Promise.resolve({ status: 'success', message: 'ok' });
        return new Promise<ProbeResult>((resolve) => {
          const onAbort = (): void => resolve({ status: 'failure', finding: 'hang', message: 'timed out' });
          signal.addEventListener('abort', onAbort, { once: true });
        });
      },
    };
    const { worker, results } = harness(config({ interval: 1000, timeout: 500, failureThreshold: 100 }), probe, clock);
    worker.start();
    await advance(clock, 3600);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    // Clean checks (no listener left, nothing aborted) share one controller: no allocation per check.
    expect(new Set(seen).size).toBe(1);
    mode = 'hang';
    const before = seen.length;
    await advance(clock, 1500);
    expect(results.some((r) => r.result.finding === 'hang')).toBe(true);
    const hung = seen[seen.length - 1]!;
    expect(hung.aborted).toBe(true);
    mode = 'clean';
    await advance(clock, 2000);
    // After the timeout aborted it, the next check got a new, live signal.
    expect(seen.length).toBeGreaterThan(before + 1);
    expect(seen[seen.length - 1]).not.toBe(hung);
    expect(seen[seen.length - 1]!.aborted).toBe(false);
    mode = 'leave-listener';
    const n = seen.length;
    await advance(clock, 2200);
    // A probe that leaves a listener behind gets a new signal each time (listeners never pile up on one).
    const leaving = seen.slice(n);
    expect(leaving.length).toBeGreaterThanOrEqual(2);
    expect(new Set(leaving).size).toBe(leaving.length);
    worker.stop();
  });

  it('abandons a probe that ignores its signal (unknown) and skips ticks without a target', async () => {
    const clock = new FakeClock();
    const { probe } = scripted(() => 'success', { delayMs: 60_000, clock, ignoreAbort: true });
    let current: ProbeTarget | undefined;
    const { worker, results } = harness(config({ interval: 1000, timeout: 500 }), probe, clock, () => current);
    worker.start();
    await advance(clock, 3000);
    expect(results).toHaveLength(0);
    current = target;
    await advance(clock, 3000);
    expect(results.length).toBeGreaterThan(0);
    expect(results[0]!.result).toMatchObject({ status: 'unknown' });
    worker.stop();
  });

  it('a probe that throws gives unknown; stop aborts the in-flight check and reports nothing more', async () => {
    const clock = new FakeClock();
    const throwing: Probe = { kind: 'bad', check: () => Promise.reject(new Error('kaput')) };
    const h1 = harness(config({ interval: 1000 }), throwing, clock);
    h1.worker.start();
    await advance(clock, 600);
    expect(h1.results[0]!.result).toMatchObject({ status: 'unknown', message: expect.stringContaining('kaput') });
    h1.worker.stop();

    const { probe, stats } = scripted(() => 'failure', { delayMs: 1500, clock });
    const h2 = harness(config({ interval: 1000, timeout: '5s' }), probe, clock);
    h2.worker.start();
    await advance(clock, 600);
    expect(stats.running).toBe(1);
    h2.worker.stop();
    await flush();
    expect(stats.aborted).toBe(1);
    await advance(clock, 5000);
    expect(h2.results).toHaveLength(0);
  });

  it('notify probes recover to healthy and can turn unhealthy again', async () => {
    const clock = new FakeClock();
    const script: ProbeStatus[] = ['failure', 'success', 'failure'];
    const { probe } = scripted(() => script.shift() ?? 'success');
    const { worker, verdicts } = harness(probeSchema.parse({ kind: 'log', pattern: 'x', startupGrace: 0, interval: 1000 }), probe, clock);
    worker.start();
    await advance(clock, 3000);
    expect(verdicts.map((v) => `${v.verdict}/${v.action}`)).toEqual(['unhealthy/notify', 'healthy/notify', 'unhealthy/notify']);
    worker.stop();
  });
});

describe('ProbeWorker with real timers and a real server', () => {
  let server: http.Server | undefined;
  let worker: ProbeWorker | undefined;
  afterEach(async () => {
    worker?.stop();
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
      server = undefined;
    }
  });

  it('500s give an unhealthy verdict at the threshold, not before, and nothing more until reset', async () => {
    let statusCode = 500;
    server = http.createServer((_req, res) => {
      res.statusCode = statusCode;
      res.end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const cfg = probeSchema.parse({ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: 100, timeout: '2s', startupGrace: 0, failureThreshold: 3 });
    const results: ProbeTickReport[] = [];
    const verdicts: Array<ProbeVerdict & { resultsSoFar: number }> = [];
    worker = new ProbeWorker({
      config: cfg,
      probe: createProbe(cfg),
      clock: systemClock(),
      target: () => target,
      onResult: (r) => results.push(r),
      onVerdict: (v) => verdicts.push({ ...v, resultsSoFar: results.length }),
    });
    worker.start();
    await waitFor(() => verdicts.length > 0, { timeoutMs: 10_000, message: 'an unhealthy verdict' });
    expect(verdicts[0]).toMatchObject({ verdict: 'unhealthy', resultsSoFar: 3, result: { finding: 'http-status' } });
    expect(results.slice(0, 2).every((r) => r.verdict === 'pending')).toBe(true);

    await new Promise((r) => setTimeout(r, 600));
    expect(verdicts).toHaveLength(1);
    expect(results).toHaveLength(3);

    statusCode = 200;
    worker.resetForNewInstance();
    await waitFor(() => verdicts.length > 1, { timeoutMs: 10_000, message: 'a healthy verdict' });
    expect(verdicts[1]).toMatchObject({ verdict: 'healthy', previous: 'pending' });
    expect(worker.snapshot()).toMatchObject({ name: 'http', kind: 'http', verdict: 'healthy', consecutiveSuccesses: expect.any(Number) });
  });
});
