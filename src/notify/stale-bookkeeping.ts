// A removed channel's folder kept only its bookkeeping (threads.json, chat-moved.json, rate-limit.json) and was never
// pruned: this says when such a file no longer matters, so the folder can go.

/** How long a removed channel's thread book and chat move are kept unchanged: as long as a book keeps a closed incident. */
export const REMOVED_BOOKKEEPING_KEEP_MS = 24 * 3_600_000;

/**
 * Whether a bookkeeping file of a channel no longer configured may be removed: a rate-limit wait once it is over (or
 * unreadable: nothing holds by it), anything else once unchanged for REMOVED_BOOKKEEPING_KEEP_MS (a channel put back
 * within a day still edits its live messages; after that its incidents are closed and forgotten by the book anyway).
 */
export function removedBookkeepingGone(kind: 'rate-limit' | 'other', parsed: unknown, mtimeMs: number, now: number): boolean {
  if (kind === 'rate-limit') {
    const until = parsed && typeof parsed === 'object' ? (parsed as { until?: unknown }).until : undefined;
    return typeof until !== 'number' || !Number.isFinite(until) || until <= now || mtimeMs > now + 60_000 || now - mtimeMs >= REMOVED_BOOKKEEPING_KEEP_MS;
  }
  return now - mtimeMs >= REMOVED_BOOKKEEPING_KEEP_MS;
}
