// A drill tells instances apart by pid and start time: pids are reused (pid_max 32768 here), even by the very restart it
// waits for. A restart that got the killed instance's pid is a recovery, not a time-out; and a pid that now names a
// stranger is never signalled.
import { afterEach, describe, expect, it } from 'vitest';
import { crashScenario } from '../../src/drill/scenario-crash.js';
import { waitDead } from '../../src/drill/daemon-ops.js';
import { RestoreStack } from '../../src/drill/restore-stack.js';
import type { DrillContext } from '../../src/drill/drill-context.js';
import type { ServiceStatus } from '../../src/daemon/service-runtime.js';
import { systemClock } from '../../src/platform/clock.js';
import { processStartTime } from '../../src/platform/proc.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { canSteerPids, startOnPid } from '../helpers/pid-steer.js';

const children: MarkedChild[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
});

function start(): MarkedChild {
  const c = spawnMarked(process.execPath, ['-e', "console.log('ready'); setInterval(() => {}, 1e9)"]);
  children.push(c);
  return c;
}

function statusOf(c: MarkedChild): ServiceStatus {
  return { name: 'svc', state: 'running', pid: c.pid, pidStartTime: processStartTime(c.pid) ?? null, health: 'healthy', held: null, incident: null } as ServiceStatus;
}

/** A drill context whose daemon reports `current()` and whose service serves when the daemon says healthy. */
function context(current: () => ServiceStatus | undefined, timeoutMs: number): DrillContext {
  return {
    clock: systemClock(),
    link: { service: async () => current() },
    target: { service: { name: 'svc', probes: [] }, check: { kind: 'status' }, stateDir: '/nonexistent' },
    restore: new RestoreStack(() => undefined),
    say: () => undefined,
    timeoutMs,
    stormSize: 1,
    cliEntry: '',
    reportNotes: [],
  } as unknown as DrillContext;
}

describe('drill and reused pids', () => {
  it.skipIf(!canSteerPids())('a restart that got the killed instance\'s pid counts as recovered, at once', async () => {
    const instance = start();
    await instance.waitForStdout('ready');
    const before = statusOf(instance);
    let now: ServiceStatus | undefined = before;
    let restarted: MarkedChild | undefined;
    // The daemon's part: on the exit, start the replacement, which the kernel hands the same pid.
    void instance.waitForExit(10_000).then(async () => {
      now = undefined;
      restarted = startOnPid(before.pid!, start);
      if (!restarted) return;
      await restarted.waitForStdout('ready');
      now = statusOf(restarted);
    });
    const t0 = Date.now();
    const run = await crashScenario.run(context(() => now, 8_000), 1, before);
    if (!restarted) return; // another process took the pid each time: nothing to judge
    expect(restarted.pid).toBe(before.pid);
    expect(run.outcome).toContain('restarted and serving');
    expect(run.recovered).toBe(true);
    expect(Date.now() - t0).toBeLessThan(6_000);
  }, 30_000);

  it.skipIf(!canSteerPids())('a pid the daemon reported that now names a stranger is not killed', async () => {
    const instance = start();
    await instance.waitForStdout('ready');
    const before = statusOf(instance);
    // The instance ended on its own and a stranger took its number before the drill's kill.
    instance.kill();
    await instance.waitForExit(5_000);
    const stranger = startOnPid(before.pid!, start);
    if (!stranger) return; // another process took the pid each time: nothing to judge
    await stranger.waitForStdout('ready');
    await crashScenario.run(context(() => undefined, 1_000), 1, before);
    // Give a SIGKILL, had one been sent, time to land.
    const exited = await stranger.waitForExit(500).then(() => true, () => false);
    expect(exited, 'the drill killed a stranger that took the instance\'s pid').toBe(false);
  }, 30_000);

  it.skipIf(!canSteerPids())('waitDead sees a killed daemon gone though a newcomer took its pid at once', async () => {
    const daemon = start();
    await daemon.waitForStdout('ready');
    const pid = daemon.pid;
    const startTime = processStartTime(pid) ?? null;
    daemon.kill();
    await daemon.waitForExit(5_000);
    const newcomer = startOnPid(pid, start);
    if (!newcomer) return; // another process took the pid each time: nothing to judge
    const t0 = Date.now();
    expect(await waitDead(pid, systemClock(), 3_000, startTime)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(newcomer.exitInfo()).toBeUndefined();
  }, 30_000);
});
