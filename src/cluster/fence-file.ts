// The local deadline a fence guard watches: written by the daemon on every lease renewal, one file per singleton service.
import { spawn, type ChildProcess } from 'node:child_process';

import { uptime } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

/** The guard's entry point (dist/, also when the tests run from src/). */
export const FENCE_GUARD_SCRIPT = fileURLToPath(new URL('../../dist/cluster/fence-guard.js', import.meta.url));

export function fenceFile(stateDir: string, service: string): string {
  return path.join(stateDir, 'cluster', `${service}.fence`);
}

/** System-wide monotonic milliseconds, the guard's clock. */
export function monoNowMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** Milliseconds since boot, counting sleep (CLOCK_BOOTTIME), the guard's clock for a sleeping machine. */
export function bootNowMs(): number {
  return uptime() * 1000;
}

/**
 * Moves the kill deadline to `killBy` (wall time of the daemon's clock); 0 means "kill now". killAtWall stays for the
 * guards an earlier version started (they kill at once without it); this version's guards read killAtBoot instead.
 */
export async function writeFenceDeadline(file: string, killBy: number, wallNow: number): Promise<void> {
  const left = Math.max(0, killBy - wallNow);
  const body = { killAtMono: monoNowMs() + left, killAtBoot: bootNowMs() + left, killAtWall: Date.now() + left, killBy };
  mkdirRecursiveSync(path.dirname(file), 0o700);
  await writeFileAtomic(file, JSON.stringify(body) + '\n', { mode: 0o600 });
}

/** A guard that dies with its instance still there is started again, at most this many times per instance. */
const MAX_GUARD_RESPAWNS = 20;

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Starts the guard of one instance, detached (its own group, outlives the daemon); cancel() ends it. A guard killed
 * (OOM killer, a person's kill) or crashed while its instance lives is started again: nothing else noticed, and a
 * paused daemon then left the instance serving next to the new leader's for as long as it stayed paused. A guard's
 * own end (exit 0: its group is gone, or it fenced it) is final.
 */
export function spawnFenceGuard(file: string, pgid: number, env: NodeJS.ProcessEnv = process.env): { cancel(): void } {
  let cancelled = false;
  let respawns = 0;
  let child: ChildProcess;
  const start = (): void => {
    child = spawn(process.execPath, [FENCE_GUARD_SCRIPT, file, String(pgid)], { env, detached: true, stdio: 'ignore' });
    child.unref();
    child.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      if (cancelled || (code === 0 && signal === null) || respawns >= MAX_GUARD_RESPAWNS || !groupAlive(pgid)) return;
      respawns++;
      start();
    });
  };
  start();
  return {
    cancel: () => {
      cancelled = true;
      try {
        if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
      } catch {
        // gone already
      }
    },
  };
}
