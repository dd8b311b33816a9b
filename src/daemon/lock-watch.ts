// Keeps daemon.lock the live daemon's after a person's `rm` or a restore of the state dir took it away: taken back, said once; yielded, loudly, to a daemon that got in meanwhile.
import path from 'node:path';
import type { ClawbackEvent } from '../observe/events.js';
import { DAEMON_LOCK_FILE, type DaemonLockCheck, type DaemonLockResult } from './daemon-lock.js';
import { describeFault, type DaemonFaults } from './daemon-faults.js';

export interface LockWatchDeps {
  /** The held lock's look; absent while the lock could not be taken (then `take`). */
  check?: () => Promise<DaemonLockCheck>;
  /**
   * Takes the lock again: given when it could not be taken at start (a full or read-only state dir). Until it is, the
   * daemon is degraded (`daemon-lock`, in status) and a second daemon is kept out by daemon.json alone; cleared once taken.
   */
  take?: () => Promise<DaemonLockResult>;
  faults?: Pick<DaemonFaults, 'failed' | 'ok'>;
  stateDir: string;
  now: () => number;
  emit: (e: ClawbackEvent) => void;
  log: (level: 'warn' | 'error', message: string) => void;
  /** Another live daemon holds the lock: this one stops supervising (the services are left running for it). */
  yieldTo: (message: string) => void;
  /** At every retake (said or not): the lock went with the state dir's other files, which the daemon puts back then. */
  retaken?: () => void;
}

export interface LockWatch {
  /** One look (skipped while the previous one runs, and for good once the lock is lost): with the heartbeat. */
  tick(): void;
  /** No more looks; lets go of a lock `take` got, once a look in flight has settled. */
  release(): Promise<void>;
}

/** The degraded reason's error: names the file and what it means, keeping the code (the advice is chosen by it). */
export function lockNotTaken(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return Object.assign(new Error(`${file} could not be taken (${describeFault(err)}): a second daemon is kept out by daemon.json alone until it is; retried with each heartbeat`), code ? { code } : {});
}

/** Retakes said at the first, then at every 100th (a cron job removing the lock every minute is one story, not a page a minute). */
const RETAKE_SAID_EVERY = 100;

export function lockWatch(deps: LockWatchDeps): LockWatch {
  let inFlight: Promise<void> | undefined;
  let lost = false;
  let closed = false;
  let retakes = 0;
  let check = deps.check;
  let releaseTaken: (() => Promise<void>) | undefined;
  const file = path.join(deps.stateDir, DAEMON_LOCK_FILE);
  const settle = (r: DaemonLockCheck): void => {
    if (r.kind === 'retaken') {
      retakes++;
      deps.retaken?.();
      if (retakes !== 1 && retakes % RETAKE_SAID_EVERY !== 0) return;
      const message =
        `${r.why} (removed by hand, or the state dir restored from a backup): taken back by this daemon (pid ${process.pid}); ` +
        `while it was gone a second \`clawback run\` or a guardian revive could have started beside it` +
        (retakes > 1 ? ` (${retakes} times since this daemon started)` : '');
      deps.log('warn', message);
      deps.emit({ type: 'daemon.fault', time: deps.now(), severity: 'warning', message, details: { effect: 'daemon-lock-retaken', error: r.why, times: retakes } });
      return;
    }
    if (r.kind !== 'lost') return;
    lost = true;
    const message =
      `${file} is held by another live daemon (pid ${r.pid}) that started while the lock was gone (removed by hand, or the state dir restored): ` +
      `two daemons must not supervise the same services, so this one (pid ${process.pid}) stops supervising and exits, leaving the services running for pid ${r.pid}`;
    deps.log('error', message);
    deps.emit({ type: 'daemon.fault', time: deps.now(), severity: 'critical', message, details: { effect: 'daemon-lock-lost', error: `held by pid ${r.pid}`, holder: r.pid } });
    deps.yieldTo(message);
  };
  const settleTake = (r: DaemonLockResult): void => {
    if (r.kind === 'held') {
      check = r.check;
      releaseTaken = r.release;
      if (r.movedAside) {
        deps.log('warn', r.movedAside);
        deps.emit({ type: 'daemon.fault', time: deps.now(), severity: 'warning', message: r.movedAside, details: { effect: 'daemon-lock', error: 'not a regular file, moved aside' } });
      }
      deps.faults?.ok('daemon-lock', { 'taken by pid': process.pid });
      return;
    }
    // Another live daemon took it meanwhile (daemon.json unwritten too): the holder keeps the services, as for a lost lock.
    if (r.kind === 'busy') {
      if (r.pid !== null && r.pid !== process.pid) settle({ kind: 'lost', pid: r.pid });
      return;
    }
    deps.faults?.failed('daemon-lock', lockNotTaken(file, r.error));
  };
  return {
    tick() {
      if (inFlight || lost || closed) return;
      const look = check ? check().then(settle) : deps.take ? deps.take().then(settleTake) : undefined;
      if (!look) return;
      inFlight = look
        .catch(() => undefined)
        .finally(() => {
          inFlight = undefined;
        });
    },
    async release() {
      closed = true;
      await inFlight;
      const release = releaseTaken;
      releaseTaken = undefined;
      await release?.();
    },
  };
}
