// A daemon whose HTTP server answers while its supervision loop is stuck (every timer dead: no probe, restart or
// heartbeat) answered 200 on /healthz, and the guardian left it running as if its state dir were only read-only:
// a killed service stayed down. /healthz now reports the supervision loop's own liveness and the guardian handles a 503
// as a hung daemon.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { guardianOnce } from '../../src/daemon/guardian.js';
import { DryRunRunner } from '../../src/platform/command-runner.js';
import { systemClock } from '../../src/platform/clock.js';
import type { DaemonInfo } from '../../src/daemon/daemon-info.js';
import { CLI } from '../helpers/cli.js';
import { NODE } from '../helpers/daemon.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { steadyDaemonDirs, stopSpawnedDaemon } from '../daemon/steady-daemon.js';

const STALL_PRELOAD = path.resolve(__dirname, '../fixtures/stall-timers.mjs');

let daemon: MarkedChild | undefined;
let stateDir: string | undefined;

afterEach(async () => {
  if (daemon?.child.pid !== undefined && isAlive(daemon.child.pid)) daemon.kill();
  await stopSpawnedDaemon(daemon, stateDir);
  daemon = undefined;
});

describe('guardian and a daemon whose supervision loop is stuck', () => {
  it('answers 503 on /healthz with the reason, and the guardian kills it as hung', async () => {
    const dirs = steadyDaemonDirs('clawback-stuck-loop-', { makeStateDir: true });
    stateDir = dirs.stateDir;
    const stall = path.join(dirs.dir, 'stall');
    daemon = spawnMarked(NODE, ['--import', STALL_PRELOAD, CLI, 'run', '--config', dirs.config, '--state-dir', stateDir], { env: { CLAWBACK_TEST_STALL_FILE: stall } });
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
    const healthz = `http://127.0.0.1:${info.api.port}/healthz`;
    await waitFor(async () => (await fetch(healthz)).status === 200, { timeoutMs: 30_000, message: '/healthz 200 once booted' });
    // From now on no timer of the daemon does anything; its HTTP server still answers.
    writeFileSync(stall, '');
    const stuck = await waitFor(
      async () => {
        const res = await fetch(healthz);
        return res.status === 503 ? ((await res.json()) as { ok: boolean; error: string; supervision: { lastChoreAgeMs: number; boundMs: number } }) : null;
      },
      { timeoutMs: 60_000, intervalMs: 1000, message: '/healthz 503 once the supervision loop stopped' },
    );
    expect(stuck.ok).toBe(false);
    expect(stuck.error).toContain('supervision stuck');
    expect(stuck.supervision.lastChoreAgeMs).toBeGreaterThan(stuck.supervision.boundMs);
    expect(isAlive(info.pid)).toBe(true);

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
    });
    const actions = report.actions.join('\n');
    expect(actions).not.toContain('left running');
    expect(actions).toContain(`daemon pid ${info.pid} answers its API (${healthz}) but is not supervising (HTTP 503: supervision stuck`);
    expect(report.killedPid).toBe(info.pid);
    expect(starts).toBe(1);
    await waitFor(() => !isAlive(info.pid), { timeoutMs: 10_000, message: 'the stuck daemon gone' });
  }, 120_000);
});
