// The one definition of "time to recover" (from the first failure signal to healthy again) and the one way to print it.
//
// The first failure signal is the exit of the instance (Level 0) or the first failed probe result of the run of
// failures that made the instance unhealthy (Level 1), not the moment the incident was opened: a probe with
// failureThreshold 3 and interval 2 s detects a hang 4-6 s after it began, and those seconds are part of the outage.
// `clawback drill` measures from the injected fault, which is the same instant seen from outside.
import type { ClawbackEvent } from './events.js';

/**
 * Where recovery time starts for an incident: `details.firstSignalAt` of its incident.opened event when the
 * daemon recorded one (not later than the opening), else the opening itself.
 */
export function recoveryStart(opened: Pick<ClawbackEvent, 'time' | 'details'>): number {
  const first = opened.details?.['firstSignalAt'];
  return typeof first === 'number' && Number.isFinite(first) && first <= opened.time ? first : opened.time;
}

/**
 * Time to recover with useful precision, the same in the CLI, the dashboard and the drill report:
 * 983 -> "983 ms", 4321 -> "4.32 s", 14_312 -> "14.3 s", 113_000 -> "1m53s", 7_500_000 -> "2h05m".
 */
export function formatTtr(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const v = Math.max(0, ms);
  if (v < 999.5) return `${Math.round(v)} ms`;
  if (v < 9995) return `${(v / 1000).toFixed(2)} s`;
  if (v < 59_950) return `${(v / 1000).toFixed(1)} s`;
  const s = Math.round(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
