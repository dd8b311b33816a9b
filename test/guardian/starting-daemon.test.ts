// A daemon that holds daemon.lock but has not written its first heartbeat yet is starting: the guardian must neither
// restart it (systemctl restart) nor start a second one and report "revived"; one starting for too long is hung.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { isAlive, pidRef, signalProcess, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { guardianOnce } from '../../src/daemon/guardian.js';
import { DryRunRunner } from '../../src/platform/command-runner.js';
import { systemClock } from '../../src/platform/clock.js';
import { processStartTime } from '../../src/platform/proc.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

function readLockPid(file: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { pid?: number }).pid;
  } catch {
    return undefined; // not there yet, or written in two steps
  }
}

const FAKE_DAEMON = fileURLToPath(new URL('./fake-daemon.mjs', import.meta.url));
const WALL_STEP = new URL('../fixtures/wall-step.mjs', import.meta.url).href;
const children: MarkedChild[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.signal('SIGCONT');
    // SIGINT: a daemon stops its services and exits; then the whole group goes.
    c.signal('SIGINT');
    await c.waitForExit(20_000).catch(() => undefined);
    c.kill();
  }
});

describe('guardian and a daemon still starting', () => {
  it('leaves a real daemon that holds daemon.lock without a heartbeat yet alone: no second daemon, no "revived"', async () => {
    const dir = tempDir('clawback-guardian-starting-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: await freePort() }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const daemon = spawnMarked(NODE, [CLI, 'run', '--config', configPath, '--state-dir', stateDir]);
    children.push(daemon);
    // Held at start-up, as a loaded machine holds it: the lock is taken, the first heartbeat not written yet.
    await waitFor(() => readLockPid(path.join(stateDir, 'daemon.lock')) === daemon.pid || undefined, { timeoutMs: 20_000, intervalMs: 2 });
    process.kill(daemon.pid, 'SIGSTOP');
    expect(existsSync(path.join(stateDir, 'daemon.json')), 'the daemon was stopped before its first heartbeat').toBe(false);

    const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 40_000 });
    const report = JSON.parse(g.stdout) as { outcome: string; actions: string[] };
    expect(report.outcome).toBe('starting');
    expect(report.actions.join('\n')).toMatch(new RegExp(`daemon pid ${daemon.pid} is starting`));
    expect(g.code).toBe(0);
    expect(existsSync(path.join(stateDir, 'logs', 'daemon.out.log')), 'the guardian started a second daemon').toBe(false);
    expect(existsSync(path.join(stateDir, 'pending-events.jsonl')), 'the guardian queued an event').toBe(false);

    process.kill(daemon.pid, 'SIGCONT');
    await daemon.waitForStdout('dashboard:', 30_000);
    expect(isAlive(daemon.pid)).toBe(true);
  }, 90_000);

  it('a daemon that started a moment ago is still starting after the wall clock stepped an hour forward: not killed', async () => {
    const dir = tempDir('clawback-guardian-wall-step-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: await freePort() }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const daemon = spawnMarked(NODE, [CLI, 'run', '--config', configPath, '--state-dir', stateDir]);
    children.push(daemon);
    await waitFor(() => readLockPid(path.join(stateDir, 'daemon.lock')) === daemon.pid || undefined, { timeoutMs: 20_000, intervalMs: 2 });
    process.kill(daemon.pid, 'SIGSTOP');
    expect(existsSync(path.join(stateDir, 'daemon.json')), 'the daemon was stopped before its first heartbeat').toBe(false);

    // NTP correcting a machine that slept, a resumed VM, `date -s '+1 hour'`: the guardian's wall clock is an hour
    // past the lock's acquiredAt, though the daemon took it a moment ago.
    const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], {
      timeoutMs: 60_000,
      env: { NODE_OPTIONS: `--import ${WALL_STEP}`, WALL_STEP_MS: String(3_600_000) },
    });
    try {
      const report = JSON.parse(g.stdout) as { outcome: string; actions: string[]; killedPid?: number };
      expect(report.killedPid ?? null, report.actions.join('\n')).toBeNull();
      expect(isAlive(daemon.pid)).toBe(true);
      expect(report.outcome).toBe('starting');
      expect(report.actions.join('\n')).toMatch(/on the boot clock: the wall clock was stepped/);
      expect(existsSync(path.join(stateDir, 'logs', 'daemon.out.log')), 'the guardian started a second daemon').toBe(false);
    } finally {
      // Without the fix a second daemon was started: stop it with its services.
      const info = JSON.parse(existsSync(path.join(stateDir, 'daemon.json')) ? readFileSync(path.join(stateDir, 'daemon.json'), 'utf8') : '{}') as { pid?: number; pidStartTime?: number | null };
      if (info.pid && info.pid !== daemon.pid) signalProcess(pidRef(info.pid, info.pidStartTime ?? null), 'SIGINT');
    }
    process.kill(daemon.pid, 'SIGCONT');
    await daemon.waitForStdout('dashboard:', 30_000);
  }, 120_000);

  it('a lock holder past the start grace without a heartbeat is hung while starting: killed (verified) and the daemon revived', async () => {
    const stateDir = tempDir('clawback-guardian-hung-start-');
    const hung = spawnMarked(NODE, [path.join(FIXTURES, 'sleeper.mjs')]);
    children.push(hung);
    const startTime = await waitFor(() => processStartTime(hung.pid) ?? undefined, { timeoutMs: 5000 });
    writeFileSync(path.join(stateDir, 'daemon.lock'), JSON.stringify({ pid: hung.pid, startTime, acquiredAt: Date.now() - 5000, token: 'x' }));
    // Hung for real: the holder itself has run past the grace (its age on the boot clock, which no clock step moves).
    await new Promise((r) => setTimeout(r, 2500));
    const events: ClawbackEvent[] = [];
    const report = await guardianOnce({
      stateDir,
      clock: systemClock(),
      startGraceMs: 2000,
      runner: new DryRunRunner(),
      serviceManager: 'none',
      explicitConfig: true,
      // Its 5 s recheck, the kill, then a fresh node process up to its first beat: at load 19 the start alone can
      // take seconds, and running out here reports 'daemon-down' for a guardian that did its job.
      timeoutMs: 45_000,
      pollMs: 50,
      startDaemon: async () => {
        children.push(spawnMarked(NODE, [FAKE_DAEMON, stateDir]));
      },
      emit: (e) => events.push(e),
    });
    expect(report.killedPid).toBe(hung.pid);
    // Killed already (the guardian waited for it): only this worker's own exit event is left, which load delays.
    expect((await hung.waitForExit(20_000)).signal).toBe('SIGKILL');
    expect(report.outcome).toBe('revived');
    expect(events[0]?.message).toMatch(/hung while starting/);
  }, 90_000);

  it('a lock holder past the start grace that still writes state.json (booting many services) is left alone', async () => {
    const stateDir = tempDir('clawback-guardian-slow-boot-');
    const booting = spawnMarked(NODE, [path.join(FIXTURES, 'sleeper.mjs')]);
    children.push(booting);
    const startTime = await waitFor(() => processStartTime(booting.pid) ?? undefined, { timeoutMs: 5000 });
    writeFileSync(path.join(stateDir, 'daemon.lock'), JSON.stringify({ pid: booting.pid, startTime, acquiredAt: Date.now() - 600_000, token: 'x' }));
    // Ten minutes into its boot, its latest service started a moment ago (each start saves state.json).
    writeFileSync(path.join(stateDir, 'state.json'), '{}');
    const report = await guardianOnce({
      stateDir,
      clock: systemClock(),
      startGraceMs: 2000,
      runner: new DryRunRunner(),
      serviceManager: 'none',
      explicitConfig: true,
      timeoutMs: 20_000,
      pollMs: 50,
      startDaemon: async () => {
        throw new Error('must not start a second daemon');
      },
      emit: () => undefined,
    });
    expect(report.outcome).toBe('starting');
    expect(report.killedPid ?? null).toBeNull();
    expect(isAlive(booting.pid)).toBe(true);
  }, 40_000);
});
