// The alerts kept in <stateDir>/outbox, read from disk without the config or a notifier: `clawback status` with no
// daemon (cli/offline-alerts.ts), and a daemon with no channel configured that still holds a removed channel's alerts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { nameOfFolder } from './channel-folder.js';
import { DEAD_DIR, ENTRY_FILE_RE, RATE_LIMIT_FILE } from './outbox-layout.js';

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
