// What the guardian.revived alert says of the daemon it revived, in words: it read "(it was recycled-pid)" or "(it was
// stale)", the guardian's verdict names, and never said that a hung daemon had been killed, nor how it was started again.
import type { DaemonState } from './daemon-info.js';
import { heartbeatAge } from './daemon-info.js';

export interface RevivedFacts {
  /** The verdict on daemon.json before the revival. */
  seen: DaemonState;
  /** A daemon holding daemon.lock, no heartbeat yet, past the start grace. */
  hungAtStart: boolean;
  /** Its /healthz answered 503 (the supervision loop stuck): the daemon's reason. */
  supervisionStuck?: string | undefined;
  before: { pid: number; heartbeatAt: number } | null;
  killedPid?: number | undefined;
  via?: 'systemd' | 'launchd' | 'direct' | undefined;
  now: number;
}

/** Pure: "it was hung (last heartbeat 22 s ago); pid 25096 was killed (SIGKILL); started directly". */
export function revivedWhat(f: RevivedFacts): string {
  const beat = f.before ? `last heartbeat ${heartbeatAge(f.before.heartbeatAt, f.now)}` : undefined;
  const was = f.hungAtStart
    ? 'it was hung while starting (holding daemon.lock with no heartbeat)'
    : f.seen === 'stale' && f.supervisionStuck !== undefined
      ? `it answered its API but was not supervising (pid ${f.before?.pid ?? '?'}, ${beat ?? 'no heartbeat'}; /healthz: ${f.supervisionStuck})`
      : f.seen === 'stop-hung'
      ? `its stop never ended (pid ${f.before?.pid ?? '?'}, ${beat ?? 'no heartbeat'})`
      : f.seen === 'stale'
      ? `it was hung (pid ${f.before?.pid ?? '?'}, ${beat ?? 'no heartbeat'})`
      : f.seen === 'dead'
        ? `it was dead (pid ${f.before?.pid ?? '?'} had ended, ${beat ?? 'no heartbeat'})`
        : f.seen === 'recycled-pid'
          ? `it was dead (its pid ${f.before?.pid ?? '?'} now belongs to another process, left alone; ${beat ?? 'no heartbeat'})`
          : f.seen === 'missing'
            ? 'it was not running (no daemon.json)'
            : `it was ${f.seen}`;
  const killed = f.killedPid !== undefined ? `; pid ${f.killedPid} was killed (SIGKILL)` : '';
  const how = f.via === 'direct' ? '; started directly' : f.via ? `; restarted through ${f.via}` : '';
  return `${was}${killed}${how}`;
}
