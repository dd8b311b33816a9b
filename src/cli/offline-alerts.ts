// `clawback status` with no daemon said only "not running", though alerts sat in the outbox (a 429 wait kept in
// rate-limit.json, dead letters): what notify/outbox-on-disk.ts reads there is said here (no config, no notifier: fast).
import type { OutboxOnDisk } from '../notify/outbox-on-disk.js';
import { localStamp } from './local-time.js';
import { strandedText } from '../notify/stranded-text.js';

/** The lines `status` adds to "not running": one per channel with alerts kept, and why they wait. */
export function offlineAlertLines(found: readonly OutboxOnDisk[]): string[] {
  return found.map((c) => {
    // Kept for a channel the daemon does not send them to (removed, disabled, moved): no start sends them by itself.
    const kept = c.kept;
    if (kept !== undefined && kept.n >= c.pending) {
      return `ALERTS NOT DELIVERED: ${c.pending} alert(s) for ${c.channel} are kept on disk in ${c.folder}, not sent while the daemon is not running, nor by a start alone; when it last ran: ${strandedText(c.channel, kept.n, kept.why)}`;
    }
    const dead = c.dead > 0 ? ` (${c.dead} of them past their retry budget: dead letters)` : '';
    const why =
      c.rateLimitedUntil !== undefined
        ? `; its endpoint's rate-limit wait runs until ${localStamp(c.rateLimitedUntil)} (a 429 wait, kept across restarts): sent once the daemon runs and the wait is over, \`clawback notify flush ${c.channel}\` then sends them at once`
        : '; sent once the daemon runs again';
    const also = kept !== undefined ? `; of them, when the daemon last ran: ${strandedText(c.channel, kept.n, kept.why)}` : '';
    const sends = kept !== undefined ? `${why.replace(/^; sent /, `; the other ${c.pending - kept.n} are sent `)}` : why;
    return `ALERTS NOT DELIVERED: ${c.pending} alert(s) for ${c.channel} are kept on disk in ${c.folder}${dead}, not sent while the daemon is not running${sends}${also}`;
  });
}
