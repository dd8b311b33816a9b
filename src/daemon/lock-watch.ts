// Keeps daemon.lock the live daemon's after a person's `rm` or a restore of the state dir took it away: taken back, said once; yielded, loudly, to a daemon that got in meanwhile.
import path from 'node:path';
import type { ClawbackEvent } from '../observe/events.js';
import { DAEMON_LOCK_FILE, type DaemonLockCheck } from './daemon-lock.js';

export interface LockWatchDeps {
  check: () => Promise<DaemonLockCheck>;
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
}

/** Retakes said at the first, then at every 100th (a cron job removing the lock every minute is one story, not a page a minute). */
const RETAKE_SAID_EVERY = 100;

export function lockWatch(deps: LockWatchDeps): LockWatch {
  let inFlight = false;
  let lost = false;
  let retakes = 0;
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
  return {
    tick() {
      if (inFlight || lost) return;
      inFlight = true;
      void deps
        .check()
        .then(settle, () => undefined)
        .finally(() => {
          inFlight = false;
        });
    },
  };
}
