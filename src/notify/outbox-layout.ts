// The outbox's names on disk, in one place: the notifier writes them and `clawback status` without a daemon reads them
// (a module with no imports, so the status bundle stays small).

/** Live-message bookkeeping of one channel (message ids per incident), kept beside its outbox. */
export const THREADS_FILE = 'threads.json';
/** The chat a channel's configured chat moved to (Telegram's migrate_to_chat_id), kept beside its outbox. */
export const MOVED_CHAT_FILE = 'chat-moved.json';
/** The channel's rate-limit wait (saved-rate-limit.ts), kept beside its outbox so a restart does not break it. */
export const RATE_LIMIT_FILE = 'rate-limit.json';
/** A channel's alerts past their retry budget: <channel folder>/dead/. */
export const DEAD_DIR = 'dead';
/** One pending alert's file: its global sequence number, 12 digits. */
export const ENTRY_FILE_RE = /^(\d{12})\.json$/;
/**
 * Beside the channel folders (a file: never taken for a channel): the alerts the daemon keeps and does not send (stranded),
 * per channel, how many and why, rewritten whenever that changes; `clawback status` without a daemon reads it.
 */
export const KEPT_FILE = 'kept.json';
