// One drill at a time per daemon: two drills on one service kill each other's instances, count each other's faults as their own, and snapshot each other's broken files.
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { FileLock, type LockOwner } from '../platform/file-lock.js';
import { isSameProcess } from '../platform/proc.js';

/**
 * Where the lock of a state directory's drills lives: in the temp dir (beside the drill's file backups), not in the
 * state directory, which the nuclear scenario moves aside mid-run.
 */
export function drillLockPath(stateDir: string): string {
  const id = createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `clawback-drill-${id}.lock`);
}

/** Takes the lock (once, no wait), or says who holds it. A lock left by a killed drill is taken over (its pid is gone). */
export async function takeDrillLock(stateDir: string): Promise<{ lock: FileLock } | { heldBy: LockOwner | null }> {
  const lock = new FileLock(drillLockPath(stateDir));
  if (await lock.acquire()) return { lock };
  return { heldBy: await lock.owner() };
}

/**
 * The drill that holds the lock and is still alive, if any: asked before the service's state is judged, since that
 * drill's fault in flight (an open incident) must not be reported as a recovery to wait out or `--force` past.
 */
export async function runningDrillOf(stateDir: string, sameProcess: (pid: number, startTime: number | null) => boolean = isSameProcess): Promise<LockOwner | undefined> {
  const owner = await new FileLock(drillLockPath(stateDir)).owner();
  return owner && sameProcess(owner.pid, owner.startTime) ? owner : undefined;
}
