// One daemon per state directory, even when two start at the same instant: daemon.json is only written once the
// first daemon has booted its services, so checking it alone let a second one through the start-up window.
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { FileLock } from '../platform/file-lock.js';
import type { Clock } from '../platform/clock.js';

export const DAEMON_LOCK_FILE = 'daemon.lock';

export type DaemonLockResult =
  /** Held until release(). */
  | { kind: 'held'; release(): Promise<void> }
  /** A live daemon holds it. */
  | { kind: 'busy'; pid: number | null }
  /** The lock could not be written (full disk, read-only state dir): the daemon starts anyway, on daemon.json alone. */
  | { kind: 'unavailable'; error: Error };

/**
 * Takes `<stateDir>/daemon.lock` (O_EXCL, naming our pid and its start time; a dead or recycled owner's lock is taken
 * over). A lock held by this very process (a daemon rebuilt in the same process) is taken over too, as daemon.json's
 * check allows.
 */
export async function takeDaemonLock(stateDir: string, clock: Clock): Promise<DaemonLockResult> {
  const file = path.join(stateDir, DAEMON_LOCK_FILE);
  const lock = new FileLock(file, { clock });
  try {
    if (!(await lock.acquire())) {
      const owner = await lock.owner();
      if (owner?.pid !== process.pid) return { kind: 'busy', pid: owner?.pid ?? null };
      rmSync(file, { force: true });
      if (!(await lock.acquire())) return { kind: 'busy', pid: (await lock.owner())?.pid ?? null };
    }
  } catch (err) {
    return { kind: 'unavailable', error: err instanceof Error ? err : new Error(String(err)) };
  }
  return { kind: 'held', release: () => lock.release() };
}

/** daemon.lock taken by `clawback run` before its config loads, for the state directory it resolved then. */
export interface EarlyDaemonLock {
  stateDir: string;
  lock: DaemonLockResult;
}

/**
 * Takes daemon.lock first thing in `clawback run`, in the state directory the CLI resolves without loading the config
 * (flag, environment, the file's stateDir line, the default), when that directory exists. Loading the config and the
 * daemon's modules takes a second or more; in that window a guardian pass saw no lock holder and recorded `stopped`
 * (an old daemon.stopped) or started a second daemon, which could win the lock and refuse the person's own start.
 */
export async function takeEarlyDaemonLock(stateDir: string | undefined, clock: Clock): Promise<EarlyDaemonLock | undefined> {
  if (stateDir === undefined) return undefined;
  try {
    if (!statSync(stateDir).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  return { stateDir, lock: await takeDaemonLock(stateDir, clock) };
}
