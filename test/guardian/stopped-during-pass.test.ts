// A person stops the daemon while a guardian pass looks at it (during its second look at a late heartbeat): the pass
// must neither start the daemon again nor probe (start) its services, and daemon.stopped must stay.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { guardianOnce, type GuardianDeps } from '../../src/daemon/guardian.js';
import { readDaemonInfo } from '../../src/daemon/daemon-info.js';
import { DryRunRunner } from '../../src/platform/command-runner.js';
import { systemClock } from '../../src/platform/clock.js';
import { killTree, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const FAKE_DAEMON = fileURLToPath(new URL('./fake-daemon.mjs', import.meta.url));

let stateDir: string;
let children: MarkedChild[];

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'clawback-guardian-stopped-'));
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

function startFake(): MarkedChild {
  const child = spawnMarked(process.execPath, [FAKE_DAEMON, stateDir]);
  children.push(child);
  return child;
}

function deps(started: MarkedChild[], kills: number[], probes: number[]): GuardianDeps {
  return {
    stateDir,
    clock: systemClock(),
    staleAfterMs: 1500,
    // A long second look: the person's stop lands inside it however loaded the machine is.
    staleRecheckMs: 8000,
    runner: new DryRunRunner(),
    serviceManager: 'none',
    timeoutMs: 30_000,
    pollMs: 50,
    startDaemon: async () => {
      started.push(startFake());
    },
    probeServices: async () => {
      probes.push(Date.now());
    },
    kill: (pid, signal) => {
      kills.push(pid);
      process.kill(pid, signal);
    },
  };
}

/** What a clean stop leaves: the daemon gone, state.json saved, daemon.json removed, daemon.stopped written. */
async function stopOnPurpose(daemon: MarkedChild): Promise<void> {
  // SIGKILL, even to a stopped process: the fake writes no heartbeat on its way out (the files below are the stop).
  process.kill(daemon.pid, 'SIGKILL');
  await daemon.waitForExit(5000);
  await writeFile(path.join(stateDir, 'state.json'), '{}');
  await rm(path.join(stateDir, 'daemon.json'), { force: true });
  await writeFile(path.join(stateDir, 'daemon.stopped'), new Date().toISOString() + '\n');
}

describe('guardian and a stop on purpose during its pass', () => {
  it('a daemon stopped on purpose during the second look at its late heartbeat is not started again', async () => {
    const daemon = startFake();
    await waitFor(async () => (await readDaemonInfo(stateDir)).info?.pid === daemon.pid || undefined, { timeoutMs: 10_000, message: 'a heartbeat' });
    process.kill(daemon.pid, 'SIGSTOP');
    await waitFor(async () => {
      const r = await readDaemonInfo(stateDir);
      return (r.info !== null && Date.now() - r.info.heartbeatAt > 1700) || undefined;
    }, { timeoutMs: 10_000, message: 'a stale heartbeat' });
    const started: MarkedChild[] = [];
    const kills: number[] = [];
    const probes: number[] = [];
    const pass = guardianOnce(deps(started, kills, probes));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await stopOnPurpose(daemon);
    const report = await pass;
    expect(started).toHaveLength(0);
    expect(kills).toEqual([]);
    expect(probes).toHaveLength(0);
    expect(report.outcome).toBe('stopped');
    expect(existsSync(path.join(stateDir, 'daemon.stopped'))).toBe(true);
  });

  it('a dead daemon whose daemon.stopped is there is neither started nor are its services probed', async () => {
    const daemon = startFake();
    await waitFor(async () => (await readDaemonInfo(stateDir)).info?.pid === daemon.pid || undefined, { timeoutMs: 10_000, message: 'a heartbeat' });
    await stopOnPurpose(daemon);
    const started: MarkedChild[] = [];
    const probes: number[] = [];
    const report = await guardianOnce(deps(started, [], probes));
    expect(started).toHaveLength(0);
    expect(probes).toHaveLength(0);
    expect(report.outcome).toBe('stopped');
    expect(report.actions.join('\n')).toMatch(/daemon\.stopped found/);
  });
});
