// The guardian against real processes: a fake daemon writing heartbeats, killed, hung, healthy, or replaced by a recycled pid.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { guardianOnce, type GuardianDeps } from '../../src/daemon/guardian.js';
import { writeDaemonInfo } from '../../src/daemon/heartbeat.js';
import { readDaemonInfo, type DaemonInfo } from '../../src/daemon/daemon-info.js';
import { DryRunRunner } from '../../src/platform/command-runner.js';
import { systemClock } from '../../src/platform/clock.js';
import { isAlive, processStartTime } from '../../src/platform/proc.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { killTree, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const FAKE_DAEMON = fileURLToPath(new URL('./fake-daemon.mjs', import.meta.url));
const SLEEPER = fileURLToPath(new URL('../fixtures/sleeper.mjs', import.meta.url));
const WALL_STEP = new URL('../fixtures/wall-step.mjs', import.meta.url).href;

let stateDir: string;
let children: MarkedChild[];

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'clawback-guardian-'));
  children = [];
});

afterEach(async () => {
  for (const c of children) {
    killTree(c.ref, 'SIGCONT');
    c.kill();
  }
  await Promise.all(children.map((c) => c.waitForExit(5000).catch(() => undefined)));
  await rm(stateDir, { recursive: true, force: true });
});

/** wallStepMs: the fake's wall clock stands that far off the machine's (see fixtures/wall-step.mjs). */
function startFake(wallStepMs = 0): MarkedChild {
  const child = spawnMarked(process.execPath, wallStepMs ? ['--import', WALL_STEP, FAKE_DAEMON, stateDir] : [FAKE_DAEMON, stateDir], wallStepMs ? { env: { WALL_STEP_MS: String(wallStepMs) } } : {});
  children.push(child);
  return child;
}

async function heartbeatFrom(pid: number): Promise<DaemonInfo> {
  return waitFor(
    async () => {
      const r = await readDaemonInfo(stateDir);
      return r.info && r.info.pid === pid ? r.info : null;
    },
    { timeoutMs: 10_000, message: `a heartbeat from pid ${pid}` },
  );
}

interface Harness {
  deps: GuardianDeps;
  started: MarkedChild[];
  events: ClawbackEvent[];
  kills: { pid: number; signal: NodeJS.Signals }[];
}

function harness(overrides: Partial<GuardianDeps> = {}): Harness {
  const started: MarkedChild[] = [];
  const events: ClawbackEvent[] = [];
  const kills: { pid: number; signal: NodeJS.Signals }[] = [];
  const deps: GuardianDeps = {
    stateDir,
    clock: systemClock(),
    staleAfterMs: 1500,
    staleRecheckMs: 1000,
    runner: new DryRunRunner(),
    serviceManager: 'none',
    timeoutMs: 20_000,
    pollMs: 50,
    startDaemon: async () => {
      started.push(startFake());
    },
    emit: (e) => events.push(e),
    kill: (pid, signal) => {
      kills.push({ pid, signal });
      process.kill(pid, signal);
    },
    ...overrides,
  };
  return { deps, started, events, kills };
}

describe('guardianOnce', () => {
  it('does nothing when the daemon is running with a fresh heartbeat', async () => {
    const daemon = startFake();
    await heartbeatFrom(daemon.pid);
    const h = harness();
    const report = await guardianOnce(h.deps);
    expect(report.outcome).toBe('ok');
    expect(report.seen).toBe('running');
    expect(h.started).toHaveLength(0);
    expect(h.kills).toHaveLength(0);
    expect(h.events).toHaveLength(0);
    expect(isAlive(daemon.pid)).toBe(true);
  });

  it('restarts a daemon killed with SIGKILL and reports it revived after a fresh heartbeat', async () => {
    const daemon = startFake();
    await heartbeatFrom(daemon.pid);
    daemon.kill();
    await daemon.waitForExit(5000);
    const h = harness();
    const report = await guardianOnce(h.deps);
    expect(report.seen).toBe('dead');
    expect(report.outcome).toBe('revived');
    expect(report.restartedVia).toBe('direct');
    expect(h.started).toHaveLength(1);
    expect(report.after?.pid).toBe(h.started[0]!.pid);
    expect(isAlive(h.started[0]!.pid)).toBe(true);
    expect(h.events.map((e) => e.type)).toEqual(['guardian.revived']);
    expect(h.events[0]!.details).toMatchObject({ was: 'dead', oldPid: daemon.pid, newPid: h.started[0]!.pid });
  });

  // A person's `clawback run` landing during the pass: the daemon the pass started is refused (the lock is taken) and
  // the person's comes up. The pass reported "revived" and sent guardian.revived for a daemon it did not start.
  it('a daemon back by another start while its own start is refused: ok, no "revived" claimed', async () => {
    const daemon = startFake();
    await heartbeatFrom(daemon.pid);
    daemon.kill();
    await daemon.waitForExit(5000);
    const persons: MarkedChild[] = [];
    const h = harness({
      startDaemon: async () => {
        // The person's daemon is up (its first beat written) when ours is refused, as `clawback run` is when another
        // daemon holds daemon.lock.
        const person = startFake();
        persons.push(person);
        await heartbeatFrom(person.pid);
        const ours = spawnMarked(process.execPath, ['-e', 'process.exit(1)']);
        const exited = ours.waitForExit(10_000).then((e) => ({ code: e.code, signal: e.signal }));
        return { pid: ours.pid, exited };
      },
    });
    const report = await guardianOnce(h.deps);
    expect(report.outcome).toBe('ok');
    expect(report.after?.pid).toBe(persons[0]!.pid);
    expect(report.actions.join('\n')).toMatch(/started by someone else meanwhile/);
    expect(h.events.map((e) => e.type)).not.toContain('guardian.revived');
    persons[0]!.kill();
  });

  it('kills a hung daemon (stopped, heartbeat stale) and revives it', async () => {
    const daemon = startFake();
    const first = await heartbeatFrom(daemon.pid);
    process.kill(daemon.pid, 'SIGSTOP');
    // Wait until the last heartbeat is older than staleAfterMs.
    await waitFor(async () => {
      const r = await readDaemonInfo(stateDir);
      return r.info !== null && Date.now() - r.info.heartbeatAt > 1700;
    }, { timeoutMs: 10_000, message: 'a stale heartbeat' });
    expect(first.pidStartTime).toBe(processStartTime(daemon.pid));
    const h = harness();
    const report = await guardianOnce(h.deps);
    expect(report.seen).toBe('stale');
    expect(report.killedPid).toBe(daemon.pid);
    expect(h.kills).toEqual([{ pid: daemon.pid, signal: 'SIGKILL' }]);
    expect(report.outcome).toBe('revived');
    await daemon.waitForExit(5000);
    expect(daemon.exitInfo()?.signal).toBe('SIGKILL');
    expect(report.after?.pid).toBe(h.started[0]!.pid);
  });

  it('a stale daemon that beats again during the second look (a machine waking from sleep) is left running', async () => {
    const daemon = startFake();
    await heartbeatFrom(daemon.pid);
    process.kill(daemon.pid, 'SIGSTOP');
    await waitFor(async () => {
      const r = await readDaemonInfo(stateDir);
      return r.info !== null && Date.now() - r.info.heartbeatAt > 1700;
    }, { timeoutMs: 10_000, message: 'a stale heartbeat' });
    const h = harness({ staleRecheckMs: 4000 });
    const pass = guardianOnce(h.deps);
    // The wake: the daemon runs again while the guardian looks a second time.
    setTimeout(() => process.kill(daemon.pid, 'SIGCONT'), 300);
    const report = await pass;
    expect(report.seen).toBe('running');
    expect(report.outcome).toBe('ok');
    expect(report.actions.join('\n')).toMatch(/heartbeat resumed \d+ ms later/);
    expect(h.kills).toHaveLength(0);
    expect(h.started).toHaveLength(0);
    expect(isAlive(daemon.pid)).toBe(true);
  });

  it('a daemon hung before the wall clock was set back an hour is still seen hung (its heartbeat is dated in the future)', async () => {
    const daemon = startFake();
    await heartbeatFrom(daemon.pid);
    process.kill(daemon.pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 300));
    // NTP or date -s set the clock back an hour after the daemon's last beat: the guardian and the daemon it starts
    // read the new time.
    const h = harness({ clock: { ...systemClock(), now: () => Date.now() - 3_600_000 }, startDaemon: async () => void h.started.push(startFake(-3_600_000)) });
    const report = await guardianOnce(h.deps);
    expect(report.seen).toBe('stale');
    expect(report.actions.join('\n')).toMatch(/heartbeat dated 3\d{3} s in the future \(the clock was set back since\)/);
    expect(h.kills).toEqual([{ pid: daemon.pid, signal: 'SIGKILL' }]);
    expect(report.outcome).toBe('revived');
    await daemon.waitForExit(5000);
  });

  it('a live daemon whose heartbeat is dated in the future (the clock was set back) is left running once it beats again', async () => {
    const daemon = startFake();
    await heartbeatFrom(daemon.pid);
    const h = harness({ clock: { ...systemClock(), now: () => Date.now() - 3_600_000 }, staleRecheckMs: 4000 });
    const report = await guardianOnce(h.deps);
    expect(report.seen).toBe('running');
    expect(report.outcome).toBe('ok');
    expect(h.kills).toHaveLength(0);
    expect(h.started).toHaveLength(0);
    expect(isAlive(daemon.pid)).toBe(true);
  });

  it('lets only one of two concurrent passes act; the other reports locked', async () => {
    await writeFile(path.join(stateDir, 'state.json'), '{}'); // a daemon ran here before
    const h = harness();
    const [a, b] = await Promise.all([guardianOnce(h.deps), guardianOnce(h.deps)]);
    const outcomes = [a.outcome, b.outcome].sort();
    expect(outcomes).toEqual(['locked', 'revived']);
    expect(h.started).toHaveLength(1);
    const locked = a.outcome === 'locked' ? a : b;
    expect(locked.durationMs).toBeLessThan(5000);
  });

  it('never kills a recycled pid (alive, other start time) and starts a new daemon', async () => {
    const unrelated = spawnMarked(process.execPath, [SLEEPER]);
    children.push(unrelated);
    await unrelated.waitForStdout('ready');
    const realStart = processStartTime(unrelated.pid);
    expect(realStart).toBeTypeOf('number');
    await writeDaemonInfo(stateDir, {
      pid: unrelated.pid,
      startedAt: Date.now() - 60_000,
      version: '0.0.0-test',
      api: { host: '127.0.0.1', port: 0 },
      heartbeatAt: Date.now() - 60_000,
      configPath: '/nonexistent/config.yaml',
      pidStartTime: (realStart as number) - 12_345,
    });
    const h = harness();
    const report = await guardianOnce(h.deps);
    expect(report.seen).toBe('recycled-pid');
    expect(h.kills).toHaveLength(0);
    expect(report.killedPid).toBeUndefined();
    expect(isAlive(unrelated.pid)).toBe(true);
    expect(report.outcome).toBe('revived');
    expect(report.after?.pid).toBe(h.started[0]!.pid);
  });

  it('treats a corrupted daemon.json as missing and says why', async () => {
    await writeFile(path.join(stateDir, 'daemon.json'), '{"pid": "not a number"');
    const h = harness();
    const report = await guardianOnce(h.deps);
    expect(report.seen).toBe('missing');
    expect(report.readProblem).toMatch(/^corrupt/);
    expect(report.outcome).toBe('revived');
  });

  it('asks systemd first and falls back to a direct start when systemctl fails', async () => {
    const runner = new DryRunRunner(() => ({ code: 1, stderr: 'Failed to connect to bus' }));
    const h = harness({ runner, serviceManager: 'systemd' });
    const report = await guardianOnce(h.deps);
    expect(runner.calls.map((c) => c.argv)).toEqual([
      ['systemctl', '--user', 'restart', 'clawback.service'],
      ['systemctl', '--user', 'show', '--property=Result', '--value', 'clawback.service'],
    ]);
    expect(report.restartedVia).toBe('direct');
    expect(report.outcome).toBe('revived');
    expect(report.errors.join('\n')).toMatch(/Failed to connect to bus/);
  });

  it('reports daemon-down within the time limit and probes the services when the daemon does not come back', async () => {
    const runner = new DryRunRunner();
    let probed = 0;
    const h = harness({
      runner,
      serviceManager: 'launchd',
      uid: 501,
      timeoutMs: 3000,
      probeServices: async () => {
        probed++;
      },
    });
    const t0 = performance.now();
    const report = await guardianOnce(h.deps);
    const elapsed = performance.now() - t0;
    expect(runner.calls.map((c) => c.argv)).toEqual([['launchctl', 'kickstart', '-k', 'gui/501/ai.clawback.daemon']]);
    expect(report.restartedVia).toBe('launchd');
    expect(h.started).toHaveLength(0);
    expect(report.outcome).toBe('daemon-down');
    expect(report.probedServices).toBe(true);
    expect(probed).toBe(1);
    expect(elapsed).toBeLessThan(3000 + 1500);
    expect(h.events).toHaveLength(0);
  });

  it('bounds a probeServices that never finishes', async () => {
    const h = harness({
      runner: new DryRunRunner(),
      serviceManager: 'systemd',
      timeoutMs: 2000,
      probeServices: (signal) =>
        new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true })),
    });
    const t0 = performance.now();
    const report = await guardianOnce(h.deps);
    expect(performance.now() - t0).toBeLessThan(2000 + 1500);
    expect(report.outcome).toBe('daemon-down');
    expect(report.errors.join('\n')).toMatch(/probeServices/);
  });

  it('starts nothing where no daemon was installed or ever ran (no daemon.json, state.json or journal)', async () => {
    const fresh = path.join(stateDir, 'never-used');
    const h = harness({ stateDir: fresh, probeServices: async () => { throw new Error('must not probe'); } });
    const report = await guardianOnce(h.deps);
    expect(report.outcome).toBe('never-ran');
    expect(h.started).toHaveLength(0);
    expect(report.probedServices).toBe(false);
    expect(report.actions.join('\n')).toMatch(/nothing to revive/);
    // Not even the state directory is created.
    await expect(readDaemonInfo(fresh)).resolves.toMatchObject({ info: null, reason: 'missing' });
    expect(existsSync(fresh)).toBe(false);
  });

  it('starts a daemon in an unused state directory when a config was named explicitly (the installed cron line)', async () => {
    const h = harness({ explicitConfig: true });
    const report = await guardianOnce(h.deps);
    expect(report.outcome).toBe('revived');
    expect(h.started).toHaveLength(1);
  });

  it('revives after a clean history: a state.json from an earlier run is evidence enough', async () => {
    await writeFile(path.join(stateDir, 'state.json'), '{}');
    const h = harness();
    const report = await guardianOnce(h.deps);
    expect(report.seen).toBe('missing');
    expect(report.outcome).toBe('revived');
    expect(h.started).toHaveLength(1);
  });
});
