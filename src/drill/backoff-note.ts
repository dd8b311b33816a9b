// Restarts after a crash, a failing probe or memory back off (the first at once): a trial's report says what that backoff did, since its wait is part of the time to recover.
import type { ClawbackEvent } from '../observe/events.js';
import { formatMs } from './drill-report.js';

/** One restart of the trial and the backoff it waited (ms) at which attempt. */
interface BackoffWait {
  delayMs: number;
  attempt: number;
}

/**
 * The backoff of each restart in the trial's events (already windowed): an exit's from `service.restart-scheduled`, a
 * probe's or memory restart's from `service.restarting` (its `restart-scheduled` repeats the same wait). Pure.
 */
export function backoffWaits(events: readonly ClawbackEvent[]): BackoffWait[] {
  const out: BackoffWait[] = [];
  for (const e of events) {
    const reason = e.details?.reason;
    const fromExit = e.type === 'service.restart-scheduled' && reason === 'exit';
    const fromProbe = e.type === 'service.restarting' && (reason === 'probe' || reason === 'memory');
    const delayMs = e.details?.delayMs;
    if ((fromExit || fromProbe) && typeof delayMs === 'number') out.push({ delayMs, attempt: typeof e.details?.attempt === 'number' ? e.details.attempt : 0 });
  }
  return out;
}

/** The trial note on the backoff, or undefined when the trial saw no restart with a backoff. */
export function backoffNote(events: readonly ClawbackEvent[]): string | undefined {
  const waits = backoffWaits(events);
  if (waits.length === 0) return undefined;
  const total = waits.reduce((sum, w) => sum + w.delayMs, 0);
  const n = `${waits.length} restart${waits.length === 1 ? '' : 's'}`;
  if (total === 0) return `backoff: ${n}, ${waits.length === 1 ? 'at once' : 'each at once'} (attempt ${waits[0]!.attempt + 1}: the trial began with its backoff reset)`;
  const waited = waits.filter((w) => w.delayMs > 0);
  return `backoff: ${n}, ${waited.length} waited ${formatMs(total)} in all (up to attempt ${Math.max(...waits.map((w) => w.attempt)) + 1}, first at attempt ${waits[0]!.attempt + 1}); that wait is part of the time to recover`;
}
