// One daemon per state directory, even when two start at the same instant: daemon.json is only written once the
// first daemon has booted its services, so checking it alone let a second one through the start-up window.
import { promises as fs, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { FileLock } from '../platform/file-lock.js';
import { moveAsideNonFile } from '../platform/private-dir.js';
import type { Clock } from '../platform/clock.js';

export const DAEMON_LOCK_FILE = 'daemon.lock';

export type DaemonLockResult =
  /** Held until release(); check() tells whether it still is (see DaemonLockCheck). */
  | { kind: 'held'; release(): Promise<void>; check(): Promise<DaemonLockCheck>; movedAside?: string }
  /** A live daemon holds it. */
  | { kind: 'busy'; pid: number | null }
  /** The lock could not be written (full disk, read-only state dir): the daemon starts anyway, on daemon.json alone. */
  | { kind: 'unavailable'; error: Error };

/**
 * What a held daemon.lock looks like now. A person's `rm ~/.clawback/*.lock` or a restore of the state dir from a backup
 * took it from under a live daemon, and nothing looked again: the next `clawback run` on the dir (another config file) or
 * a guardian revive started a second daemon beside it, both supervising the same services.
 */
export type DaemonLockCheck =
  /** Still our file (the same inode, or a copy naming our token put back by a restore). */
  | { kind: 'ours' }
  /** It was gone, or named a dead owner: taken back now (why: what was found). */
  | { kind: 'retaken'; why: string }
  /** A live other process holds it now: another daemon got in while it was gone. */
  | { kind: 'lost'; pid: number }
  /** It could not be looked at or written (a full disk): nothing decided, looked at again at the next check. */
  | { kind: 'unknown'; error: Error };

/** The file's identity: inode, change time and size (an inode freed by `rm` is handed to the next file made there). */
function identity(st: { ino: number; ctimeMs: number; size: number }): string {
  return `${st.ino}:${st.ctimeMs}:${st.size}`;
}

/** null when the file is not there; any other error is the caller's. */
async function identityOf(file: string): Promise<string | null> {
  try {
    return identity(await fs.stat(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * A directory, a FIFO or a link to a device (or to nothing) in daemon.lock's place (a restore, a person's mkdir, an agent)
 * could never be taken nor read: the daemon ran without its lock, and a dangling link kept it from starting at all
 * ("being written"). No daemon holds such a thing, so it is moved aside (kept as evidence); returns what to say, or
 * undefined when there was nothing to move. A failure to move is left to the lock's own error.
 */
function moveAsideOddLock(file: string, clock: Clock): string | undefined {
  try {
    const moved = moveAsideNonFile(file, clock.now());
    return moved && `${file} was ${moved.was}, not a lock file: moved aside to ${moved.keptAs} (kept as evidence) and taken`;
  } catch {
    return undefined;
  }
}

/**
 * Takes `<stateDir>/daemon.lock` (O_EXCL, naming our pid and its start time; a dead or recycled owner's lock is taken
 * over). A lock held by this very process (a daemon rebuilt in the same process) is taken over too, as daemon.json's
 * check allows.
 */
export async function takeDaemonLock(stateDir: string, clock: Clock): Promise<DaemonLockResult> {
  const file = path.join(stateDir, DAEMON_LOCK_FILE);
  const movedAside = moveAsideOddLock(file, clock);
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
  let held = lock;
  let token = lock.ownToken;
  let seen = await identityOf(file).catch(() => null);
  // One stat per check while the file is ours; the rest only when it changed.
  const check = async (): Promise<DaemonLockCheck> => {
    try {
      const now = await identityOf(file);
      if (now !== null && now === seen) return { kind: 'ours' };
      const owner = now === null ? null : await held.owner();
      if (owner && owner.token === token) {
        seen = now; // our own lock put back by a restore: the same text, a new file
        return { kind: 'ours' };
      }
      const odd = moveAsideOddLock(file, clock);
      const why = odd ? odd : now === null ? `${DAEMON_LOCK_FILE} was gone` : owner ? `${DAEMON_LOCK_FILE} named pid ${owner.pid}, which is not running` : `${DAEMON_LOCK_FILE} named no owner`;
      const next = new FileLock(file, { clock });
      if (!(await next.acquire())) {
        const other = await next.owner();
        // Unreadable (being written, or torn): looked at again at the next check, taken over once it is stale.
        if (!other) return { kind: 'unknown', error: new Error(`${DAEMON_LOCK_FILE} is there but names no owner yet`) };
        // A daemon rebuilt in this very process took it over on purpose (takeDaemonLock above): not another daemon.
        if (other.pid === process.pid) return { kind: 'unknown', error: new Error(`${DAEMON_LOCK_FILE} was taken by a daemon rebuilt in this process`) };
        return { kind: 'lost', pid: other.pid };
      }
      held = next;
      token = next.ownToken;
      seen = await identityOf(file).catch(() => null);
      return { kind: 'retaken', why };
    } catch (err) {
      return { kind: 'unknown', error: err instanceof Error ? err : new Error(String(err)) };
    }
  };
  return { kind: 'held', release: () => held.release(), check, ...(movedAside ? { movedAside } : {}) };
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
