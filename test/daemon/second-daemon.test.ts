// One daemon per state directory: two started at the same instant (a person and the guardian, say) end with one
// daemon and one copy of each service; before daemon.lock, both passed the daemon.json check (written only once the
// services had booted) and each ran its own copy of the service. The lock is released on a clean stop and taken over
// from a daemon killed with SIGKILL.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { killLoggedCopies, loggedCopies, recordingCommand } from './pid-log.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { mountSmallDisk } from '../helpers/tmpfs.js';
import { takeDaemonLock } from '../../src/daemon/daemon-lock.js';
import { systemClock } from '../../src/platform/clock.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

function setup(): { config: string; stateDir: string; pids: () => number[] } {
  const dir = tempDir('clawback-second-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const pidLog = path.join(dir, 'pids');
  const config = path.join(dir, 'clawback.yaml');
  const svcConfig = path.join(dir, 'svc.json');
  writeFileSync(svcConfig, '{}\n');
  // The preflight's validation (1 s) widens the start-up window the way a real gateway's does: services boot before
  // daemon.json is written.
  const slowValidate = [NODE, '-e', 'setTimeout(() => {}, 1000)'];
  writeFileSync(
    config,
    YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'svc', command: recordingCommand(pidLog), configFile: { path: svcConfig, format: 'json', validateCommand: slowValidate } }] })),
  );
  const pids = (): number[] => loggedCopies(pidLog).map(([pid]) => pid);
  // Killed as the copies they were (pid and start time): one that is gone left its pid to whoever took it next.
  cleanup.push(() => killLoggedCopies(pidLog));
  return { config, stateDir: path.join(dir, 'state'), pids };
}

function run(s: { config: string; stateDir: string }): MarkedChild {
  const d = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
  cleanup.push(() => d.kill());
  return d;
}

describe('a second daemon on the same state directory', () => {
  it('two started at the same instant: one runs, the other exits 2 naming the first; one copy of the service', async () => {
    const s = setup();
    const both = [run(s), run(s)];
    const loser = await waitFor(() => both.find((d) => d.exitInfo()), { timeoutMs: 30_000, intervalMs: 50, message: 'one of the two daemons gave way' });
    const winner = both.find((d) => d !== loser)!;
    expect(loser.exitInfo(), loser.stderr()).toEqual({ code: 2, signal: null });
    expect(loser.stderr()).toContain(`a clawback daemon is already running for ${s.stateDir} (pid ${winner.pid}`);
    await waitFor(() => winner.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the other daemon runs' });
    expect(winner.exitInfo()).toBeUndefined();
    await waitFor(() => s.pids().length > 0 || undefined, { timeoutMs: 30_000, intervalMs: 50, message: 'the service started' });
    await new Promise((r) => setTimeout(r, 1500)); // time for a second copy to show up, were there one
    expect(s.pids()).toHaveLength(1);

    // Killed with SIGKILL: its lock names a dead pid, and the next daemon takes it over and adopts the service.
    const [pid] = s.pids();
    process.kill(winner.pid, 'SIGKILL');
    await winner.waitForExit(10_000);
    const next = run(s);
    await waitFor(() => next.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the next daemon runs' });
    expect(s.pids()).toEqual([pid]);
    process.kill(next.pid, 'SIGTERM');
    expect(await next.waitForExit(30_000), next.stderr()).toEqual({ code: 0, signal: null });
    expect(isAlive(pid!)).toBe(false);
    expect(existsSync(path.join(s.stateDir, 'daemon.lock')), 'released on a clean stop').toBe(false);
  });

  it('on a full disk the lock cannot be written: the daemon is not refused, and no empty lock file is left', async () => {
    const disk = mountSmallDisk('1m');
    cleanup.push(() => disk.unmount());
    disk.fill();
    const r = await takeDaemonLock(disk.dir, systemClock());
    expect(r.kind).toBe('unavailable');
    expect(r.kind === 'unavailable' && (r.error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(existsSync(path.join(disk.dir, 'daemon.lock'))).toBe(false);
  });
});
