// An endpoint that refuses an alert as too large (413, or a 400 "too long") gets it once more, shortened, not parked.
import type { Notification } from './format.js';
import { cutText } from '../platform/cut-text.js';
import { setOwn } from '../observe/own-key.js';

/** The shortened alert's limits (UTF-16 units): small enough for any receiver that takes a JSON body at all. */
export const SHORT_LIMITS = { message: 1000, line: 200, lines: 10, excerpt: 500, items: 20, depth: 4 } as const;

/**
 * The answer says the body (or its text) was too large: HTTP 413, or a 400 whose body says so (Telegram "message is
 * too long", Slack "msg_too_long", Discord "Must be 4096 or fewer in length", body-parser "request entity too large").
 */
export function refusedAsTooLarge(status: number, body: string): boolean {
  if (status === 413) return true;
  return status === 400 && /too[ _-](long|large|big)|entity too large|or fewer in length|exceeds? the (maximum|limit)/i.test(body);
}

/**
 * `text` within `max` UTF-16 units, the marker included, cut at a code point boundary; the marker says how many
 * characters (code points) were left out, so the reader knows the alert is incomplete and by how much.
 */
export function shortenText(text: string, max: number): string {
  if (text.length <= max) return text;
  const total = Array.from(text).length;
  // The marker's length depends on the count, which depends on the cut: the count of the whole text bounds it.
  const room = Math.max(0, max - ` … [truncated, ${total} chars]`.length);
  const kept = cutText(text, room);
  return `${kept} … [truncated, ${total - Array.from(kept).length} chars]`;
}

function shortenDeep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return shortenText(value, SHORT_LIMITS.line);
  if (!value || typeof value !== 'object') return value;
  if (depth >= SHORT_LIMITS.depth) return '[truncated]';
  if (Array.isArray(value)) {
    const kept = value.slice(0, SHORT_LIMITS.items).map((v) => shortenDeep(v, depth + 1));
    return value.length > SHORT_LIMITS.items ? [...kept, `[truncated, ${value.length - SHORT_LIMITS.items} more]`] : kept;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries.slice(0, SHORT_LIMITS.items)) setOwn(out, shortenText(k, SHORT_LIMITS.line), shortenDeep(v, depth + 1));
  if (entries.length > SHORT_LIMITS.items) out['truncated'] = `${entries.length - SHORT_LIMITS.items} more keys`;
  return out;
}

/**
 * The same alert with every long text cut (message, notes, detail lines, excerpt, the event's details), pure. The
 * full text stays in the outbox entry and the journal: only what is sent this once is shorter.
 */
export function shortenNotification(n: Notification): Notification {
  const line = (s: string): string => shortenText(s, SHORT_LIMITS.line);
  const lines = (xs: string[]): string[] => (xs.length > SHORT_LIMITS.lines ? [...xs.slice(0, SHORT_LIMITS.lines).map(line), `[truncated, ${xs.length - SHORT_LIMITS.lines} more lines]`] : xs.map(line));
  const e = n.event;
  return {
    ...n,
    title: line(n.title),
    message: shortenText(n.message, SHORT_LIMITS.message),
    notes: lines(n.notes),
    fields: n.fields.map((f) => ({ name: line(f.name), value: line(f.value) })),
    detailLines: lines(n.detailLines),
    ...(n.excerpt !== undefined ? { excerpt: shortenText(n.excerpt, SHORT_LIMITS.excerpt) } : {}),
    ...(n.timeline !== undefined ? { timeline: lines(n.timeline) } : {}),
    event: {
      ...e,
      message: shortenText(e.message, SHORT_LIMITS.message),
      ...(e.details !== undefined ? { details: shortenDeep(e.details, 0) as Record<string, unknown> } : {}),
    },
  };
}
