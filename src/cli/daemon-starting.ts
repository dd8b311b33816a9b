// A daemon takes daemon.lock at once but writes daemon.json only once its config is loaded and its API bound: in that
// window a command answered "not running"; this sees the live lock holder and waits, bounded.
import path from 'node:path';
import { readRegularFileSync } from '../platform/read-regular.js';
import { readDaemonInfoSync, type DaemonInfoRead } from '../daemon/daemon-info.js';

/** daemon.lock's file name (daemon-lock.ts; not imported: that module loads the lock's write path). */
const LOCK_FILE = 'daemon.lock';

/** How long a command waits for a starting daemon's daemon.json before it says the daemon is still starting. */
export const START_WAIT_MS = 10_000;
/** How often it looks. */
export const START_POLL_MS = 100;

export interface StartingDeps {
  isAlive: (pid: number) => boolean;
  startTimeOf: (pid: number) => number | null | undefined;
  /** A clock that never steps (performance.now). */
  monotonic: () => number;
  sleep: (ms: number) => Promise<void>;
  waitMs?: number;
}

/** The live process that holds `<stateDir>/daemon.lock` (same pid and start time as written), or undefined. */
export function startingDaemonPid(stateDir: string, deps: Pick<StartingDeps, 'isAlive' | 'startTimeOf'>): number | undefined {
  return startingDaemon(stateDir, deps)?.pid;
}

/** The lock holder startingDaemonPid names, and since when it holds the lock (the time written in it, when there is one). */
export function startingDaemon(stateDir: string, deps: Pick<StartingDeps, 'isAlive' | 'startTimeOf'>): { pid: number; since?: number } | undefined {
  let owner: { pid?: unknown; startTime?: unknown; acquiredAt?: unknown };
  try {
    owner = JSON.parse(readRegularFileSync(path.join(stateDir, LOCK_FILE)).toString('utf8')) as typeof owner;
  } catch {
    return undefined;
  }
  if (!owner || !Number.isInteger(owner.pid) || (owner.pid as number) <= 0 || owner.pid === process.pid) return undefined;
  const pid = owner.pid as number;
  if (!deps.isAlive(pid)) return undefined;
  if (typeof owner.startTime === 'number') {
    const actual = deps.startTimeOf(pid);
    if (actual !== null && actual !== undefined && actual !== owner.startTime) return undefined;
  }
  const since = owner.acquiredAt;
  return typeof since === 'number' && Number.isFinite(since) && since > 0 ? { pid, since } : { pid };
}

export type StartWait = { kind: 'ready'; read: DaemonInfoRead } | { kind: 'gone' } | { kind: 'still-starting'; pid: number; waitedMs: number };

/** Waits until daemon.json is there (ready), the lock holder is gone, or the wait is up (still starting). */
export async function waitForStartingDaemon(stateDir: string, pid: number, deps: StartingDeps): Promise<StartWait> {
  const start = deps.monotonic();
  const limit = deps.waitMs ?? START_WAIT_MS;
  for (;;) {
    const read = readDaemonInfoSync(stateDir);
    if (read.info) return { kind: 'ready', read };
    if (startingDaemonPid(stateDir, deps) !== pid) return { kind: 'gone' };
    const waitedMs = deps.monotonic() - start;
    if (waitedMs >= limit) return { kind: 'still-starting', pid, waitedMs };
    await deps.sleep(Math.min(START_POLL_MS, limit - waitedMs));
  }
}
