// Level 1 on the real demo gateway: hangs, leaks, slow starts, 500s, unknown probes, SIGSTOP.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, NODE, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, httpPost, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { treeRssBytes } from '../../src/platform/proc.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

type Probe = Record<string, unknown>;

async function demo(probes: (port: number) => Probe[], extra: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<{ t: TestDaemon; port: number }> {
  const port = await freePort();
  td = await startTestDaemon({
    services: [{ name: 'gw', command: [NODE, DEMO_GATEWAY_SERVER, '--port', String(port)], env, stop: { grace: '3s' }, ...extra, probes: probes(port) }],
  });
  return { t: td, port };
}

const health = (port: number, extra: Probe = {}): Probe => ({
  kind: 'http',
  name: 'health',
  url: `http://127.0.0.1:${port}/health`,
  interval: '300ms',
  timeout: '300ms',
  failureThreshold: 3,
  startupGrace: '5s',
  ...extra,
});
const up = async (port: number): Promise<boolean> => (await httpGet(`http://127.0.0.1:${port}/health`, 500).catch(() => ({ status: 0 }))).status === 200;
const healthyAgain = (port: number, timeoutMs = 20_000) => waitFor(() => up(port), { timeoutMs, intervalMs: 50 });
const rt = (t: TestDaemon) => t.daemon.runtimes.get('gw')!;
const healthyNow = (t: TestDaemon) => waitFor(() => rt(t).status().health === 'healthy', { timeoutMs: 10_000 });

describe('watchdog', () => {
  it('detects a hung event loop and brings the service back', async () => {
    const { t, port } = await demo((p) => [health(p)]);
    await healthyNow(t);
    const pid = rt(t).status().pid;
    await httpPost(`http://127.0.0.1:${port}/fault/hang`, 1000);
    await waitFor(() => rt(t).status().pid !== pid && rt(t).status().pid !== null, { timeoutMs: 15_000 });
    await healthyAgain(port);
    const unhealthy = t.events.find((e) => e.type === 'service.unhealthy');
    expect(unhealthy?.details).toMatchObject({ probe: 'health', finding: 'hang' });
    const restart = t.events.find((e) => e.type === 'service.restarting');
    expect(restart).toMatchObject({ level: 1, details: { reason: 'probe' } });
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 10_000 });
  });

  it('detects a SIGSTOPped process as hung and replaces it', async () => {
    const { t, port } = await demo((p) => [health(p), { kind: 'process', interval: '300ms', failureThreshold: 2 }]);
    await healthyNow(t);
    const pid = rt(t).status().pid!;
    process.kill(pid, 'SIGSTOP');
    await waitFor(() => rt(t).status().pid !== pid && rt(t).status().pid !== null, { timeoutMs: 15_000 });
    await healthyAgain(port);
    const finding = t.events.find((e) => e.type === 'service.unhealthy')?.details?.finding;
    expect(['stopped', 'hang']).toContain(finding);
  });

  it('restarts on HTTP 500 only after the failure threshold', async () => {
    const { t, port } = await demo((p) => [health(p, { failureThreshold: 4, interval: '400ms' })]);
    await healthyNow(t);
    const pid = rt(t).status().pid;
    await httpPost(`http://127.0.0.1:${port}/fault/unhealthy?status=500`, 1000);
    const failures = await waitFor(() => {
      const probe = rt(t).status().probes.find((p) => p.name === 'health')!;
      return probe.consecutiveFailures >= 2 ? probe : undefined;
    }, { timeoutMs: 10_000, intervalMs: 20 });
    expect(failures.lastResult?.finding).toBe('http-status');
    expect(rt(t).status().pid).toBe(pid); // 2 failures of 4: not yet
    await waitFor(() => t.events.some((e) => e.type === 'service.restarting'), { timeoutMs: 10_000 });
    const before = t.events.filter((e) => e.type === 'service.restarting');
    expect(before).toHaveLength(1);
    await healthyAgain(port);
  });

  it('does not kill a slow start inside the start-up grace', async () => {
    const { t, port } = await demo((p) => [health(p, { startupGrace: '6s', failureThreshold: 2 })], {}, { DEMO_STARTUP_DELAY_MS: '2500' });
    const pid = rt(t).status().pid;
    await healthyAgain(port, 15_000);
    expect(rt(t).status().pid).toBe(pid);
    expect(t.events.some((e) => e.type === 'service.restarting')).toBe(false);
  });

  it('treats a probe it cannot run (unresolvable host) as unknown and never restarts for it', async () => {
    const { t } = await demo(() => [{ kind: 'http', name: 'remote', url: 'http://clawback-probe-target.invalid/health', interval: '300ms', timeout: '1s', failureThreshold: 1, startupGrace: '0ms' }]);
    await waitFor(() => (rt(t).status().probes[0]?.lastCheckedAt ? rt(t).status().probes[0] : undefined), { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1500));
    const probe = rt(t).status().probes[0]!;
    expect(probe.lastResult?.status).toBe('unknown');
    expect(probe.consecutiveFailures).toBe(0);
    expect(t.events.some((e) => e.type === 'service.restarting')).toBe(false);
  });

  it('restarts a leaking service close to its memory limit', async () => {
    const limitMb = 220;
    const { t, port } = await demo((p) => [health(p), { kind: 'memory', warn: `${limitMb - 60}MiB`, limit: `${limitMb}MiB`, interval: '250ms', failureThreshold: 1 }]);
    await healthyNow(t);
    const pid = rt(t).status().pid!;
    const base = treeRssBytes(pid);
    let peak = base;
    const sampler = setInterval(() => {
      const cur = rt(t).status().pid === pid ? treeRssBytes(pid) : 0;
      peak = Math.max(peak, cur);
    }, 50);
    try {
      await httpPost(`http://127.0.0.1:${port}/fault/leak?mbPerSec=60`, 1000);
      await waitFor(() => rt(t).status().pid !== pid && rt(t).status().pid !== null, { timeoutMs: 20_000 });
    } finally {
      clearInterval(sampler);
    }
    const limit = limitMb * 1024 * 1024;
    // Sampling every 250 ms at 60 MB/s: at most ~15 MB + one leak step past the limit.
    expect(peak).toBeLessThan(limit * 1.15);
    expect(t.events.find((e) => e.type === 'service.restarting')?.details?.reason).toBe('memory');
    expect(t.events.some((e) => e.type === 'memory.warning')).toBe(true);
    await healthyAgain(port);
  });

  it('shows each probe in status with last result, latency and consecutive counts', async () => {
    const { t } = await demo((p) => [health(p)]);
    await healthyNow(t);
    const probe = rt(t).status().probes[0]!;
    expect(probe).toMatchObject({ name: 'health', kind: 'http', verdict: 'healthy', consecutiveFailures: 0 });
    expect(probe.consecutiveSuccesses).toBeGreaterThanOrEqual(1);
    expect(probe.lastResult?.latencyMs).toBeGreaterThanOrEqual(0);
  });
});
