// Local-time arithmetic for the daily quiet window ("02:00"-"05:00") in which a proactive restart is preferred.
import type { QuietWindow } from './predict-schema.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Local time = UTC + this many minutes, at the given instant (the edge reads the system zone; decisions take a number). */
export function localOffsetMinutes(at: number): number {
  return -new Date(at).getTimezoneOffset();
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

export interface QuietWindowOccurrence {
  /** now lies inside this occurrence. */
  inside: boolean;
  /** Epoch ms of the occurrence's start and end (the current one when inside, else the next). */
  start: number;
  end: number;
}

/**
 * The occurrence of the window that contains now, or else the next one. Windows may cross midnight
 * (22:00-04:00). The offset is taken as fixed over the next day (a DST change can shift it by an hour).
 */
export function quietWindowAt(window: QuietWindow, now: number, tzOffsetMinutes: number): QuietWindowOccurrence {
  const offset = tzOffsetMinutes * MINUTE;
  const localNow = now + offset;
  const localMidnight = Math.floor(localNow / DAY) * DAY;
  const startMin = minutesOf(window.start);
  let lengthMin = minutesOf(window.end) - startMin;
  if (lengthMin <= 0) lengthMin += 24 * 60;
  // Yesterday's occurrence may still be running (a window across midnight); else today's or tomorrow's.
  for (const dayShift of [-1, 0, 1]) {
    const start = localMidnight + dayShift * DAY + startMin * MINUTE;
    const end = start + lengthMin * MINUTE;
    if (localNow >= start && localNow < end) return { inside: true, start: start - offset, end: end - offset };
    if (start > localNow) return { inside: false, start: start - offset, end: end - offset };
  }
  /* c8 ignore next */
  throw new Error('unreachable: a daily window always occurs within a day');
}

/** "14:05" in local time. */
export function formatLocalTime(at: number, tzOffsetMinutes: number): string {
  const local = ((((at + tzOffsetMinutes * MINUTE) % DAY) + DAY) % DAY) / MINUTE;
  return `${String(Math.floor(local / 60)).padStart(2, '0')}:${String(Math.floor(local % 60)).padStart(2, '0')}`;
}
