// The start-up window belongs to the instance, not to the daemon watching it: a daemon that adopts a running instance
// (SIGUSR2, a daemon killed and restarted by the OS manager) re-opened the whole window from its own boot, so an
// instance hung in its start went unjudged for the whole window again (for ever under a daemon restarting every few
// minutes), and one that had come up before was given a window again. Now the window is anchored at the instance's
// start, none is open for one past it (its probes judge it at once, with their thresholds) or one that came up before.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, tempDir } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import type { ServiceRuntime } from '../../src/daemon/service-runtime.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

function service(port: number, env: Record<string, string>, startup: string) {
  return {
    name: 'slow',
    command: [NODE, path.join(FIXTURES, 'instance-server.mjs'), String(port)],
    env,
    startup: { timeout: startup },
    restart: { backoff: { initial: '100ms', max: '200ms', jitter: 0 } },
    probes: [{ kind: 'http', name: 'liveness', url: `http://127.0.0.1:${port}/`, interval: '300ms', timeout: '250ms', failureThreshold: 3, startupGrace: '300ms' }],
  };
}

/** A daemon runs the service until `until` says so, then goes away leaving it running (SIGUSR2); the next one adopts it. */
async function handOver(config: { services: Array<Record<string, unknown>> }, until: (rt: ServiceRuntime) => boolean) {
  const first = await startTestDaemon(config);
  cleanup.push(() => rmSync(first.dir, { recursive: true, force: true }));
  let firstStopped = false;
  cleanup.push(() => (firstStopped ? undefined : first.stop()));
  const rt = first.daemon.runtimes.get('slow')!;
  const pid = await waitFor(() => rt.status().pid, { timeoutMs: 15_000, message: 'slow started' });
  const startedAt = rt.status().startedAt!;
  cleanup.push(() => {
    try {
      process.kill(-pid, 'SIGCONT');
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  });
  await waitFor(() => until(rt), { timeoutMs: 20_000, message: 'ready to hand over' });
  await first.daemon.stop({ stopServices: false });
  firstStopped = true;
  return { first, pid, startedAt };
}

describe('a start-up window across a daemon restart', () => {
  it('is anchored at the adopted instance start, not the new daemon boot: status says the true elapsed time', async () => {
    const port = await freePort();
    const flag = path.join(tempDir(), 'no-listen');
    writeFileSync(flag, '');
    const config = { services: [service(port, { NO_LISTEN_FLAG: flag }, '60s')] };
    const { first, pid, startedAt } = await handOver(config, () => true);
    // The instance runs on unsupervised a while (a bounded wait on real time).
    await new Promise((r) => setTimeout(r, 2500));
    const second = await startTestDaemon(config, { dir: first.dir });
    cleanup.push(() => second.stop());
    const rt = second.daemon.runtimes.get('slow')!;
    await waitFor(() => rt.status().pid === pid, { message: 'the instance adopted' });
    const st = rt.status();
    expect(st.startup).toMatchObject({ since: startedAt, windowMs: 60_000 });
    const shownSec = Number(/, (\d+) s of 60 s$/.exec(st.startup!.message)?.[1]);
    expect(shownSec).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('opens none for an instance already past its window: its probes judge it at once, with their thresholds', async () => {
    const port = await freePort();
    const flag = path.join(tempDir(), 'no-listen');
    writeFileSync(flag, '');
    const config = { services: [service(port, { NO_LISTEN_FLAG: flag }, '30s')] };
    // Adopted past its 30 s window (the first daemon went away 31 s after the start, before its own tick judged it).
    const { first, pid, startedAt } = await handOver(config, () => true);
    const statePath = path.join(first.stateDir, 'state.json');
    // Move the recorded start 31 s back: the instance's window is over when the next daemon adopts it.
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as { services: Record<string, { record: { instance: { startedAt: number } | null } }> };
    const inst = saved.services['slow']!.record.instance;
    expect(inst?.startedAt).toBe(startedAt);
    inst!.startedAt = startedAt - 31_000;
    writeFileSync(statePath, JSON.stringify(saved));
    const second = await startTestDaemon(config, { dir: first.dir });
    cleanup.push(() => second.stop());
    const rt = second.daemon.runtimes.get('slow')!;
    await waitFor(() => rt.status().pid === pid, { message: 'the instance adopted' });
    expect(rt.status().startup).toBeUndefined();
    const unhealthy = await waitFor(() => second.events.find((e) => e.type === 'service.unhealthy'), { timeoutMs: 20_000, message: 'judged unhealthy' });
    // Judged by its probe after failureThreshold failed checks, not by a window of its own (nor an instant kill).
    expect(unhealthy.message).toMatch(/^slow unhealthy: liveness/);
    const probe = rt.status().probes.find((p) => p.name === 'liveness');
    expect(probe?.consecutiveFailures ?? 3).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('opens none for an instance that came up before the daemon restart: a hang after the adoption is judged by its probes', async () => {
    const port = await freePort();
    const config = { services: [service(port, {}, '60s')] };
    const { first, pid } = await handOver(config, (rt) => rt.status().health === 'healthy');
    const second = await startTestDaemon(config, { dir: first.dir });
    cleanup.push(() => second.stop());
    const rt = second.daemon.runtimes.get('slow')!;
    await waitFor(() => rt.status().pid === pid, { message: 'the instance adopted' });
    expect(rt.status().startup).toBeUndefined();
    // It hangs (stopped: connections are accepted by the kernel, nothing answers).
    process.kill(pid, 'SIGSTOP');
    const unhealthy = await waitFor(() => second.events.find((e) => e.type === 'service.unhealthy'), { timeoutMs: 20_000, message: 'judged unhealthy' });
    expect(unhealthy.message).toMatch(/^slow unhealthy: liveness/);
    expect(unhealthy.details).toMatchObject({ probe: 'liveness' });
  }, 60_000);
});
