// The dashboard's backlog: the last events of the journal, read from the file's tail, so "Live events" is not empty
// when the page opens after an incident (the SSE stream only carries what happens from then on).
import { open } from 'node:fs/promises';
import type { ClawbackEvent } from '../observe/events.js';
import type { ApiAnswer } from './api-server.js';
import { limitParam } from './limit-param.js';

/** At most this many bytes are read from the end of the journal, whatever the limit. */
export const RECENT_EVENTS_MAX_BYTES = 512 * 1024;
export const RECENT_EVENTS_DEFAULT = 100;
export const RECENT_EVENTS_MAX = 500;

function isEvent(v: unknown): v is ClawbackEvent {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return typeof o.type === 'string' && typeof o.time === 'number' && typeof o.message === 'string';
}

/** The last `limit` well-formed events of a JSON-lines journal, oldest first; [] when the file does not exist. */
export async function readRecentEvents(file: string, limit: number, maxBytes = RECENT_EVENTS_MAX_BYTES): Promise<ClawbackEvent[]> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    const lines = buf.toString('utf8').split('\n');
    if (length < size) lines.shift(); // the first line is cut in the middle
    const events: ClawbackEvent[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const v: unknown = JSON.parse(line);
        if (isEvent(v)) events.push(v);
      } catch {
        // A torn or corrupt line is skipped, as the journal reader does.
      }
    }
    return events.slice(-Math.max(0, limit));
  } finally {
    await handle.close();
  }
}

/** Parses `?limit=` for GET /api/events/recent: a whole number from 1 to RECENT_EVENTS_MAX, the default when absent, else a 400. */
export function recentLimit(q: URLSearchParams): number | ApiAnswer {
  return limitParam(q, { default: RECENT_EVENTS_DEFAULT, max: RECENT_EVENTS_MAX });
}
