// A person's stop (SIGTERM, `systemctl stop`) that ran past its bound, or whose daemon was killed mid-way, was undone:
// the guardian SIGKILLed the stopping daemon and started a new one, since daemon.stopped is written only at the stop's
// end. daemon.json's `stopping` record now says whether the stop was on purpose (and in which boot).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { guardianOnce, type GuardianDeps } from '../../src/daemon/guardian.js';
import { readDaemonInfo, type DaemonInfo } from '../../src/daemon/daemon-info.js';
import { DryRunRunner } from '../../src/platform/command-runner.js';
import { systemClock } from '../../src/platform/clock.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const FAKE_DAEMON = fileURLToPath(new URL('./fake-daemon.mjs', import.meta.url));
const BOOT = 'boot-now';

let stateDir: string;
let children: MarkedChild[];

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'clawback-stop-hung-'));
  children = [];
});

afterEach(async () => {
  for (const c of children) c.kill();
  await Promise.all(children.map((c) => c.waitForExit(5000).catch(() => undefined)));
  await rm(stateDir, { recursive: true, force: true });
});

/** A daemon whose stop began 2 minutes ago with a 31 s bound: its stop is hung. */
async function stoppingDaemon(stopping: NonNullable<DaemonInfo['stopping']>): Promise<MarkedChild> {
  const child = spawnMarked(process.execPath, [FAKE_DAEMON, stateDir], { env: { FAKE_STOPPING: JSON.stringify(stopping) } });
  children.push(child);
  await waitFor(async () => (await readDaemonInfo(stateDir)).info?.pid === child.pid || undefined, { timeoutMs: 10_000, message: 'a heartbeat' });
  return child;
}

function deps(started: MarkedChild[], kills: number[], probes: number[]): GuardianDeps {
  return {
    stateDir,
    clock: systemClock(),
    staleAfterMs: 15_000,
    staleRecheckMs: 500,
    runner: new DryRunRunner(),
    serviceManager: 'none',
    timeoutMs: 20_000,
    pollMs: 50,
    bootId: BOOT,
    startDaemon: async () => {
      const child = spawnMarked(process.execPath, [FAKE_DAEMON, stateDir]);
      children.push(child);
      started.push(child);
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

const since = (): number => Date.now() - 120_000;

describe('a stop on purpose that did not finish', () => {
  it('past its bound: the stopping daemon is neither killed nor replaced, and the report says so', async () => {
    const daemon = await stoppingDaemon({ since: since(), boundMs: 31_000, onPurpose: true, bootId: BOOT });
    const started: MarkedChild[] = [];
    const kills: number[] = [];
    const probes: number[] = [];
    const report = await guardianOnce(deps(started, kills, probes));
    expect(report.seen).toBe('stop-hung');
    expect(report.outcome, report.actions.join('\n')).toBe('stopped');
    expect(kills).toEqual([]);
    expect(started).toHaveLength(0);
    expect(probes).toHaveLength(0);
    expect(report.errors.join('\n')).toMatch(new RegExp(`did not finish the stop asked for .*end it yourself \\(\`kill -KILL ${daemon.pid}\`\\)`));
    expect(report.actions.join('\n')).toMatch(/stopped on purpose .* not undone/);
    expect(daemon.exitInfo()).toBeUndefined();
  });

  it('killed mid-way (daemon.json left, its pid gone): not started again', async () => {
    const daemon = await stoppingDaemon({ since: Date.now(), boundMs: 31_000, onPurpose: true, bootId: BOOT });
    daemon.kill();
    await daemon.waitForExit(5000);
    const started: MarkedChild[] = [];
    const probes: number[] = [];
    const report = await guardianOnce(deps(started, [], probes));
    expect(report.seen).toBe('dead');
    expect(report.outcome, report.actions.join('\n')).toBe('stopped');
    expect(started).toHaveLength(0);
    expect(probes).toHaveLength(0);
    expect(existsSync(path.join(stateDir, 'daemon.json'))).toBe(true);
  });

  it('a stop not asked for (a handover, SIGUSR2) hung past its bound is still a hung daemon: killed and revived', async () => {
    const daemon = await stoppingDaemon({ since: since(), boundMs: 31_000, onPurpose: false });
    const started: MarkedChild[] = [];
    const kills: number[] = [];
    const report = await guardianOnce(deps(started, kills, []));
    expect(kills).toEqual([daemon.pid]);
    expect(report.outcome, report.actions.join('\n')).toBe('revived');
    expect(started).toHaveLength(1);
  });

  it("a stop of an earlier boot (the shutdown's) keeps nothing down", async () => {
    const daemon = await stoppingDaemon({ since: Date.now(), boundMs: 31_000, onPurpose: true, bootId: 'boot-before' });
    daemon.kill();
    await daemon.waitForExit(5000);
    const started: MarkedChild[] = [];
    const report = await guardianOnce(deps(started, [], []));
    expect(report.outcome, report.actions.join('\n')).toBe('revived');
    expect(started).toHaveLength(1);
  });
});
