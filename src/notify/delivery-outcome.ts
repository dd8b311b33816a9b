// What an HTTP answer means for a pending alert (done, retry when, give up) and how long to back off.
import { cutText } from '../platform/cut-text.js';

export type DeliveryOutcome =
  | { kind: 'ok' }
  /** `counts`: the endpoint answered and refused (5xx, 408): counts toward maxAttempts. */
  | { kind: 'retry'; reason: string; afterMs?: number; counts: boolean }
  | { kind: 'permanent'; reason: string };

export interface HttpAnswer {
  status: number;
  retryAfterHeader?: string | null;
  /** Discord's bucket headers on every answer: requests left in the window, and seconds until it resets. */
  rateLimitRemaining?: string | null;
  rateLimitResetAfter?: string | null;
  /** The answer's Date header: the server's own now, which an HTTP-date Retry-After is reckoned from. */
  dateHeader?: string | null;
  /** A redirect's target, as redirectTarget describes it (never followed). */
  location?: string;
  body: string;
}

/** Path segments of a redirect target this long, not in the request's own path, are not repeated (a token of the target's). */
const LONG_SEGMENT = 16;

/**
 * Where a redirect pointed, for the refusal's reason: the Location resolved against the request, with its origin and
 * path (a person fixes the URL from it: http to https, a moved host). Its query, user info and any long path segment
 * not already in the request's path are left out: they may carry the target's own credentials, which no redactor knows.
 */
export function redirectTarget(location: string | null | undefined, requestUrl: string): string | undefined {
  if (!location) return undefined;
  let to: URL;
  let from: URL;
  try {
    from = new URL(requestUrl);
    to = new URL(location, from);
  } catch {
    return 'an unreadable Location';
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') return `a ${to.protocol} URL`;
  const ours = new Set(from.pathname.split('/'));
  const path = to.pathname
    .split('/')
    .map((seg) => (seg.length >= LONG_SEGMENT && !ours.has(seg) ? '…' : seg))
    .join('/');
  return `${to.origin}${path}${to.search || to.hash ? '?…' : ''}`;
}

const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Retry-After: delta-seconds or an HTTP date. Sent twice (a proxy adding its own), fetch joins the values with ", ": each
 * is read and the longest wait kept; the joined text was read as no Retry-After and the retry came at the backoff.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const waits = value
    .split(/,\s*(?=\d+(?:\.\d+)?\s*(?:,|$)|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,)/)
    .map((one) => parseOneRetryAfter(one, now))
    .filter((ms): ms is number => ms !== undefined);
  return waits.length > 0 ? Math.max(...waits) : undefined;
}

function parseOneRetryAfter(value: string, now: number): number | undefined {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.min(MAX_RETRY_AFTER_MS, Math.ceil(Number(v) * 1000));
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}

/** Discord's `{retry_after: seconds}` and Telegram's `{parameters: {retry_after: seconds}}`. */
export function bodyRetryAfter(body: string): number | undefined {
  if (!body || body.length > 100_000) return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (!parsed || typeof parsed !== 'object') return undefined;
    const o = parsed as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
    const v = typeof o.retry_after === 'number' ? o.retry_after : o.parameters?.retry_after;
    // A wait too long to write (1e400 reads as Infinity) is the longest wait, capped: not "no wait given" (the backoff).
    if (typeof v === 'number' && !Number.isNaN(v) && v >= 0) return Math.min(MAX_RETRY_AFTER_MS, Math.ceil(v * 1000));
  } catch {
    // Not JSON: no hint in the body.
  }
  return undefined;
}

/**
 * How long to hold the channel's next request: the answer said its bucket is empty (`X-RateLimit-Remaining: 0`) and when
 * it refills (`X-RateLimit-Reset-After`, seconds). Without it a burst always spent one 429 per window before pacing.
 */
export function paceAfter(a: HttpAnswer): number | undefined {
  if (a.rateLimitRemaining?.trim() !== '0') return undefined;
  return resetAfterMs(a.rateLimitResetAfter);
}

/** `X-RateLimit-Reset-After` (float seconds) in ms, bounded; undefined when absent or unreadable. */
function resetAfterMs(value: string | null | undefined): number | undefined {
  const v = value?.trim();
  if (!v || !/^\d+(\.\d+)?$/.test(v)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.ceil(Number(v) * 1000));
}

function snippet(body: string): string {
  const one = body.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${cutText(one, 200)}…` : one;
}

/**
 * The instant an HTTP-date Retry-After is counted from: the server's Date when it sent one, else our wall clock. A local
 * clock a day behind (a board without an RTC before NTP) read "retry at <date>" as a day away and held the alert the cap.
 */
function serverNow(a: HttpAnswer, now: number): number {
  const at = a.dateHeader ? Date.parse(a.dateHeader) : NaN;
  return Number.isNaN(at) ? now : at;
}

export function classifyAnswer(a: HttpAnswer, now: number): DeliveryOutcome {
  const { status } = a;
  const serverAt = serverNow(a, now);
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const why = `HTTP ${status}${a.body ? `: ${snippet(a.body)}` : ''}`;
  if (status === 429) {
    // Every form a 429 gives its wait in: the body (Discord, Telegram), Retry-After, and Discord's bucket reset (a 429
    // carrying only X-RateLimit-Reset-After was read as no wait: logged as a retry in 46 ms, `notify test` said "no Retry-After").
    const waits = [bodyRetryAfter(a.body), parseRetryAfter(a.retryAfterHeader, serverAt), resetAfterMs(a.rateLimitResetAfter)].filter((ms): ms is number => ms !== undefined);
    return { kind: 'retry', reason: why, counts: false, ...(waits.length > 0 ? { afterMs: Math.max(...waits) } : {}) };
  }
  if (status === 408 || status >= 500) {
    const fromHeader = parseRetryAfter(a.retryAfterHeader, serverAt);
    return { kind: 'retry', reason: why, counts: true, ...(fromHeader !== undefined ? { afterMs: fromHeader } : {}) };
  }
  if (status >= 300 && status < 400) return { kind: 'permanent', reason: `${why} (redirects are not followed${a.location ? `; it points to ${a.location}` : ''})` };
  return { kind: 'permanent', reason: why };
}

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Delay before try number `attempt + 1` (attempt >= 1): initial·2^(attempt-1), capped, with ±20 % jitter
 * from `random` in [0, 1).
 */
export function retryDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  const jitter = 0.8 + 0.4 * random;
  return Math.max(0, Math.round(Math.min(policy.maxMs, base * jitter)));
}
