// `clawback status` with no daemon said only "not running", though alerts sat in the outbox (a 429 wait kept in
// rate-limit.json, dead letters): what notify/outbox-on-disk.ts reads there is said here (no config, no notifier: fast).
import type { OutboxOnDisk } from '../notify/outbox-on-disk.js';
import { localStamp } from './local-time.js';

/** The lines `status` adds to "not running": one per channel with alerts kept, and why they wait. */
export function offlineAlertLines(found: readonly OutboxOnDisk[]): string[] {
  return found.map((c) => {
    const dead = c.dead > 0 ? ` (${c.dead} of them past their retry budget: dead letters)` : '';
    const why =
      c.rateLimitedUntil !== undefined
        ? `; its endpoint's rate-limit wait runs until ${localStamp(c.rateLimitedUntil)} (a 429 wait, kept across restarts): sent once the daemon runs and the wait is over, \`clawback notify flush ${c.channel}\` then sends them at once`
        : '; sent once the daemon runs again';
    return `ALERTS NOT DELIVERED: ${c.pending} alert(s) for ${c.channel} are kept on disk in ${c.folder}${dead}, not sent while the daemon is not running${why}`;
  });
}
