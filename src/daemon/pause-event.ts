// The event a daemon that notices its own pause says, once per pause: it explains missed probes and late restarts.
import type { DaemonPause } from '../platform/clock.js';
import type { ClawbackEvent } from '../observe/events.js';

/** A pause shorter than this is not told (a loaded machine's usual lateness). */
export const PAUSE_TOLD_MS = 5_000;
/** From this long, the pause is a warning of its own (alerted); shorter ones are journaled as info. */
export const PAUSE_WARN_MS = 10_000;
/** An exit noticed this soon after a pause was told may have happened during it (its outage counts from the pause's start). */
export const PAUSE_EXIT_SLACK_MS = 1_000;
/** How long `clawback status` and the dashboard show the last pause. */
export const PAUSE_SHOWN_MS = 60 * 60_000;

const WHY: Record<DaemonPause['kind'], string> = {
  paused: 'clawback did not run while the machine did: SIGSTOP, a debugger, a frozen VM or container, or a blocked event loop',
  slept: 'the machine slept (suspend, a closed laptop lid)',
  unknown: 'clawback was paused or the machine slept',
};

/** `daemon.paused` for a pause seen at `now` (wall clock): how long, why as far as the clocks tell, what it means. */
export function pauseEvent(pause: DaemonPause, now: number): ClawbackEvent {
  const secs = (pause.ms / 1000).toFixed(1);
  const what = pause.kind === 'slept' ? `the machine slept for ${secs} s` : `clawback stood still for ${secs} s`;
  return {
    type: 'daemon.paused',
    time: now,
    severity: pause.ms >= PAUSE_WARN_MS ? 'warning' : 'info',
    message: `${what} (${WHY[pause.kind]}): probes, restarts and the heartbeat were late by as much`,
    details: { pausedMs: pause.ms, kind: pause.kind, since: now - pause.ms },
  };
}
