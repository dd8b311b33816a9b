// One wording for "alerts are waiting to be delivered", for every place a person looks (clawback status, the daemon log).
import type { StrandedWhy } from './stranded.js';
import { strandedText } from './stranded-text.js';
import { localStamp } from '../cli/local-time.js';

const STRANDED_WHYS: ReadonlySet<string> = new Set<StrandedWhy>(['disabled', 'removed', 'moved', 'unknown-destination']);

/** The `notify` part of /api/status that matters here. */
export interface DeadLetterView {
  deadLetters?: Record<string, number>;
  /** Kept for a channel that is not configured or is disabled. */
  stranded?: Record<string, number>;
  /** Why each channel's are kept (src/notify/stranded.ts); absent from an older daemon. */
  strandedWhy?: Record<string, string>;
  outboxDepth?: number;
  /** Alerts a full outbox folded into a summary or dropped since the daemon started; absent from an older daemon. */
  overflowed?: Record<string, { folded: number; dropped: number }>;
  /** Channels that gave no answer for maxAttempts tries in a row: alerts waiting, and the last error (redacted). */
  unreachable?: Record<string, { pending: number; reason: string }>;
  /** Channels held by the endpoint's rate-limit wait (rate-limit.json): until when (wall ms); absent from an older daemon. */
  rateLimited?: Record<string, { until: number; pending: number }>;
  /** Channels whose tries fail now, from the first failed one (src/notify/dispatcher.ts ChannelFailing); absent from an older daemon. */
  failing?: Record<string, { since: number; tries: number; last: string; pending: number; nextTry?: number }>;
}

/** One line per channel holding dead letters, naming the commands that retry or drop them; [] when none. */
export function deadLetterLines(notify: DeadLetterView | undefined): string[] {
  const lines: string[] = [];
  for (const [channel, n] of Object.entries(notify?.deadLetters ?? {})) {
    if (!(n > 0)) continue;
    lines.push(`${n} alert(s) undelivered to ${channel}: kept and retried with backoff; \`clawback notify flush ${channel}\` retries now, \`clawback notify discard ${channel}\` drops them`);
  }
  for (const [channel, u] of Object.entries(notify?.unreachable ?? {})) {
    if (!(u?.pending > 0)) continue;
    lines.push(`${u.pending} alert(s) waiting for ${channel}, which is unreachable (${u.reason || 'no answer'}): kept and retried with backoff; \`clawback notify flush ${channel}\` retries now`);
  }
  for (const [channel, r] of Object.entries(notify?.rateLimited ?? {})) {
    if (!(r?.pending > 0) || typeof r.until !== 'number') continue;
    lines.push(`${r.pending} alert(s) waiting for ${channel}, which is rate-limited by its endpoint until ${localStamp(r.until)} (a 429 wait, kept across restarts): sent when it is over; \`clawback notify flush ${channel}\` sends now`);
  }
  // Failing before any of the above says so (the retry budget not spent yet): seen from the first failed try on.
  for (const [channel, f] of Object.entries(notify?.failing ?? {})) {
    if (!(f?.pending > 0) || typeof f.since !== 'number') continue;
    if ((notify?.deadLetters?.[channel] ?? 0) > 0 || (notify?.unreachable?.[channel]?.pending ?? 0) > 0 || (notify?.rateLimited?.[channel]?.pending ?? 0) > 0) continue;
    const next = typeof f.nextTry === 'number' ? `, next try ${localStamp(f.nextTry)}` : '';
    lines.push(`${f.pending} alert(s) waiting for ${channel}, whose deliveries fail since ${localStamp(f.since)} (${f.tries} tries in a row, last: ${f.last || 'no answer'}${next}): kept and retried with backoff; \`clawback notify flush ${channel}\` retries now`);
  }
  for (const [channel, o] of Object.entries(notify?.overflowed ?? {})) {
    if (!(o?.folded > 0 || o?.dropped > 0)) continue;
    lines.push(`${o.folded + o.dropped} alert(s) for ${channel} not kept on their own since the daemon started, its outbox full (notify.outboxLimit): ${o.folded} folded into a summary message, ${o.dropped} refused one(s) dropped`);
  }
  // Each why in the words the daemon's log and alert use (strandedText); a daemon that gives none gets the older line.
  for (const [channel, n] of Object.entries(notify?.stranded ?? {})) {
    if (!(n > 0)) continue;
    const why = notify?.strandedWhy?.[channel];
    if (why !== undefined && STRANDED_WHYS.has(why)) {
      lines.push(strandedText(channel, n, why as StrandedWhy));
      continue;
    }
    lines.push(`${n} alert(s) kept for "${channel}", which is not a configured, enabled channel: not sent anywhere; configure a channel "${channel}" (or enable it) to deliver them, \`clawback notify discard ${channel}\` drops them`);
  }
  return lines;
}
