// The local deadline a fence guard watches: written by the daemon on every lease renewal, one file per singleton service.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { uptime } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.js';

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
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, JSON.stringify(body) + '\n', { mode: 0o600 });
}

/** Starts the guard of one instance, detached (its own group, outlives the daemon); cancel() ends it. */
export function spawnFenceGuard(file: string, pgid: number, env: NodeJS.ProcessEnv = process.env): { cancel(): void } {
  const child = spawn(process.execPath, [FENCE_GUARD_SCRIPT, file, String(pgid)], { env, detached: true, stdio: 'ignore' });
  child.unref();
  child.on('error', () => undefined);
  return {
    cancel: () => {
      try {
        if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
      } catch {
        // gone already
      }
    },
  };
}
