// A daemon whose state dir turned read-only (a remount ro) cannot refresh daemon.json but keeps supervising: the
// guardian saw a stale heartbeat, SIGKILLed it, and could not start another (EROFS): nothing supervised the services.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { guardianOnce } from '../../src/daemon/guardian.js';
import { DryRunRunner } from '../../src/platform/command-runner.js';
import { systemClock } from '../../src/platform/clock.js';
import type { DaemonInfo } from '../../src/daemon/daemon-info.js';
import { CLI } from '../helpers/cli.js';
import { NODE } from '../helpers/daemon.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { recordedInstances, steadyDaemonDirs, stopSpawnedDaemon } from '../daemon/steady-daemon.js';

let daemon: MarkedChild | undefined;
let mounted: string | undefined;
let cleanupStateDir: string | undefined;

afterEach(async () => {
  if (mounted) execFileSync('umount', [mounted]);
  mounted = undefined;
  await stopSpawnedDaemon(daemon, cleanupStateDir);
  daemon = undefined;
});

describe('guardian and a read-only state dir', () => {
  it('leaves a daemon that answers its API running though its heartbeat is stale', async () => {
    const dirs = steadyDaemonDirs('clawback-ro-state-', { makeStateDir: true });
    const { config, stateDir } = dirs;
    cleanupStateDir = stateDir;
    mkdirSync(stateDir, { recursive: true });
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    const file = path.join(stateDir, 'daemon.json');
    const info = await waitFor(
      () => {
        try {
          const i = JSON.parse(readFileSync(file, 'utf8')) as DaemonInfo;
          return i.pid === daemon!.child.pid && i.api.port > 0 ? i : null;
        } catch {
          return null;
        }
      },
      { timeoutMs: 30_000, message: `a heartbeat (stderr: ${daemon.stderr().slice(-1000)})` },
    );
    // Its service running first: on a loaded host it was started after the first heartbeat, through the bind mount below,
    // and its log (logs/steady.log, held open for writing) kept the read-only remount busy (EBUSY) for good.
    await waitFor(() => recordedInstances(stateDir).some((i) => isAlive(i.pid)), { timeoutMs: 30_000, message: () => `the steady service started (stderr: ${daemon!.stderr().slice(-1000)})` });
    // A read-only bind mount over the state dir: new opens fail with EROFS, as after `mount -o remount,ro`.
    execFileSync('mount', ['--bind', stateDir, stateDir]);
    mounted = stateDir;
    // EBUSY ("mount point is busy") while the daemon has a file open for writing through the new mount (its heartbeat's
    // temp file, opened between the two calls on a loaded host): tried again until its write is over.
    const remounted = (): boolean => {
      try {
        execFileSync('mount', ['-o', 'remount,bind,ro', stateDir], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    };
    await waitFor(remounted, { timeoutMs: 15_000, intervalMs: 50, message: 'the read-only remount' });
    await waitFor(() => Date.now() - (JSON.parse(readFileSync(file, 'utf8')) as DaemonInfo).heartbeatAt > 2000, { timeoutMs: 15_000, message: 'a stale heartbeat' });
    const kills: number[] = [];
    let starts = 0;
    const report = await guardianOnce({
      stateDir,
      clock: systemClock(),
      staleAfterMs: 1500,
      staleRecheckMs: 500,
      runner: new DryRunRunner(),
      serviceManager: 'none',
      timeoutMs: 20_000,
      pollMs: 50,
      startDaemon: async () => {
        starts++;
      },
      kill: (pid) => kills.push(pid),
    });
    expect(report.actions.join('\n')).toContain(`daemon pid ${info.pid} answers its API`);
    expect(kills).toEqual([]);
    expect(starts).toBe(0);
    expect(report.killedPid).toBeUndefined();
    expect(isAlive(info.pid)).toBe(true);
  }, 60_000);
});
