// An external service's stop signals only the process it attached to: once that process has exited, the grace's
// SIGKILL (sent before the next poll saw the exit) must not reach the process that took its pid.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchExternal } from '../../src/supervisor/external-process.js';
import { systemClock } from '../../src/platform/clock.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { canSteerPids, startOnPid } from '../helpers/pid-steer.js';

const children: MarkedChild[] = [];
let dir: string | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function start(args: string[]): MarkedChild {
  const c = spawnMarked(process.execPath, args);
  children.push(c);
  return c;
}

describe('an external service stopped by signal, and its pid taken at once', () => {
  it.skipIf(!canSteerPids())('the SIGKILL at the end of the grace spares the newcomer that holds the pid now', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'clawback-external-reuse-'));
    const pidFile = path.join(dir, 'svc.pid');
    // The service another manager runs: exits at once on SIGTERM.
    const svc = start(['-e', "process.on('SIGTERM', () => process.exit(0)); console.log('ready'); setInterval(() => {}, 1e9)"]);
    await svc.waitForStdout('ready');
    writeFileSync(pidFile, `${svc.pid}\n`);
    // Polled every 4 s: its exit and the pid's reuse (milliseconds apart) fall before the next look, as they may on any poll.
    const inst = await launchExternal({ pidFile, restartCommand: ['true'], timeout: 5_000 }, systemClock(), realCommandRunner(), { restart: false, pollMs: 4_000 });
    expect(inst.pid).toBe(svc.pid);

    let newcomer: MarkedChild | undefined;
    const reused = svc.exited.then(() => {
      newcomer = startOnPid(svc.pid, () => start(['-e', 'setInterval(() => {}, 1e9)']));
    });
    const stopped = inst.stop('SIGTERM', 800);
    await reused;
    await stopped;
    if (!newcomer) return; // another process took the pid each time: nothing to judge
    await new Promise((r) => setTimeout(r, 200));
    expect(newcomer.exitInfo(), 'the newcomer that took the stopped service\'s pid was signalled').toBeUndefined();
  }, 30_000);
});
