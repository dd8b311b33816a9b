// A channel's rate-limit wait (429 Retry-After, retry_after, an empty bucket) outlives a daemon restart: saved as wall
// time beside the outbox, and read back bounded, so a restarted daemon does not break the wait and draw another 429.
import { spooledFor } from './destination.js';
import type { ChannelConfig } from './notify-schema.js';

export interface SavedRateLimit {
  /** Wall time (epoch ms) before which the channel sends nothing. */
  until: number;
  /** Wall time it was saved at: the wait it asked for is until - savedAt, whatever the clock did since. */
  savedAt: number;
  /** The destination it was given for (destinationOf): another bot or webhook is not held by it. */
  dest: string;
}

/**
 * How long a restarted daemon still holds the channel (ms, 0 for none): the time left, never more than the wait that was
 * asked (a wall clock stepped back does not stretch it) nor capMs (a hand-edited or garbled file holds for minutes at most).
 */
export function savedWaitMs(saved: unknown, cfg: ChannelConfig & { name: string }, now: number, capMs: number): number {
  if (!saved || typeof saved !== 'object') return 0;
  const { until, savedAt, dest } = saved as Partial<SavedRateLimit>;
  if (typeof until !== 'number' || typeof savedAt !== 'number' || !Number.isFinite(until) || !Number.isFinite(savedAt)) return 0;
  if (typeof dest !== 'string' || spooledFor(dest, cfg) !== 'same') return 0;
  const left = Math.min(until - now, until - savedAt, capMs);
  return left > 0 ? left : 0;
}
