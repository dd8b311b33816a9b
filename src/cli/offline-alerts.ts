// `clawback status` with no daemon said only "not running", though alerts sat in the outbox (a 429 wait kept in
// rate-limit.json, dead letters): what is on disk is read here, without the config or the notifier (status stays fast).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { nameOfFolder } from '../notify/channel-folder.js';
import { DEAD_DIR, ENTRY_FILE_RE, RATE_LIMIT_FILE } from '../notify/outbox-layout.js';
import { localStamp } from './local-time.js';

/** One channel's alerts kept on disk: pending ones, those among them past their retry budget, and a saved 429 wait. */
export interface OutboxOnDisk {
  channel: string;
  folder: string;
  pending: number;
  dead: number;
  /** Wall ms the saved rate-limit wait ends, when it is still ahead. */
  rateLimitedUntil?: number;
}

function countEntries(dir: string): number {
  try {
    return readdirSync(dir).filter((f) => ENTRY_FILE_RE.test(f)).length;
  } catch {
    return 0;
  }
}

/** The saved wait's end when it is a sound record still ahead of `now` (the file is a few bytes; a garbled one is ignored). */
function savedUntil(file: string, now: number): number | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { until?: unknown; savedAt?: unknown } | null;
    const until = parsed?.until;
    return typeof until === 'number' && Number.isFinite(until) && typeof parsed?.savedAt === 'number' && until > now ? until : undefined;
  } catch {
    return undefined;
  }
}

/** Each channel folder of <stateDir>/outbox holding alerts; [] when there is none (or no outbox). */
export function readOutboxOnDisk(stateDir: string, now: number): OutboxOnDisk[] {
  const outbox = path.join(stateDir, 'outbox');
  let dirs: string[];
  try {
    dirs = readdirSync(outbox, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return [];
  }
  const out: OutboxOnDisk[] = [];
  for (const folder of dirs) {
    const dead = countEntries(path.join(outbox, folder, DEAD_DIR));
    const pending = countEntries(path.join(outbox, folder)) + dead;
    if (pending === 0) continue;
    const until = savedUntil(path.join(outbox, folder, RATE_LIMIT_FILE), now);
    out.push({ channel: nameOfFolder(folder), folder: path.join(outbox, folder), pending, dead, ...(until !== undefined ? { rateLimitedUntil: until } : {}) });
  }
  return out;
}

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
