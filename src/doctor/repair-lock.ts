// One repairing doctor per service across processes: the daemon's Level 2 and a person's `clawback doctor --fix` ran the
// service's own doctor on one config at once, and each guard rolled back over the other's repair.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../platform/clock.js';
import { FileLock, type LockOwner } from '../platform/file-lock.js';

export function repairLockPath(stateDir: string, service: string): string {
  return path.join(stateDir, 'locks', `doctor-${service}.lock`);
}

export type RepairLockOutcome =
  | { ok: true; release(): Promise<void> }
  | { ok: false; owner: LockOwner | null };

/**
 * Takes the service's repair lock, waiting up to waitMs for another run to end (onWait is told once who holds it). A lock
 * that cannot be written at all (a full disk, a read-only state dir) does not block a repair: the repair may be the cure.
 */
export async function takeRepairLock(
  stateDir: string,
  service: string,
  opts: { clock: Clock; waitMs: number; signal?: AbortSignal; onWait?: (owner: LockOwner | null) => void },
): Promise<RepairLockOutcome> {
  const lock = new FileLock(repairLockPath(stateDir, service), { clock: opts.clock, pollMs: 250 });
  const held: RepairLockOutcome = { ok: true, release: () => lock.release().catch(() => undefined) };
  try {
    await fs.mkdir(path.dirname(lock.path), { recursive: true, mode: 0o700 });
    if (await lock.acquire()) return held;
    opts.onWait?.(await lock.owner());
    if (await lock.acquire({ timeoutMs: opts.waitMs, ...(opts.signal ? { signal: opts.signal } : {}) })) return held;
    return { ok: false, owner: await lock.owner() };
  } catch {
    return { ok: true, release: async () => undefined };
  }
}
