// A daemon that holds daemon.lock but has not written its first heartbeat yet is starting: the guardian must neither
// restart it (systemctl restart) nor start a second one and report "revived"; one starting for too long is hung.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
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
const children: MarkedChild[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    try {
      process.kill(c.pid, 'SIGCONT');
    } catch {
      // gone already
    }
    // SIGINT: a daemon stops its services and exits; then the whole group goes.
    if (!c.exitInfo()) process.kill(c.pid, 'SIGINT');
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

  it('a lock holder past the start grace without a heartbeat is hung while starting: killed (verified) and the daemon revived', async () => {
    const stateDir = tempDir('clawback-guardian-hung-start-');
    const hung = spawnMarked(NODE, [path.join(FIXTURES, 'sleeper.mjs')]);
    children.push(hung);
    const startTime = await waitFor(() => processStartTime(hung.pid) ?? undefined, { timeoutMs: 5000 });
    writeFileSync(path.join(stateDir, 'daemon.lock'), JSON.stringify({ pid: hung.pid, startTime, acquiredAt: Date.now() - 5000, token: 'x' }));
    const events: ClawbackEvent[] = [];
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
        children.push(spawnMarked(NODE, [FAKE_DAEMON, stateDir]));
      },
      emit: (e) => events.push(e),
    });
    expect(report.killedPid).toBe(hung.pid);
    expect((await hung.waitForExit(5000)).signal).toBe('SIGKILL');
    expect(report.outcome).toBe('revived');
    expect(events[0]?.message).toMatch(/hung while starting/);
  }, 40_000);

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
