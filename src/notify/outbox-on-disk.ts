// The alerts kept in <stateDir>/outbox, read from disk without the config or a notifier: `clawback status` with no
// daemon (cli/offline-alerts.ts), and a daemon with no channel configured that still holds a removed channel's alerts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { nameOfFolder } from './channel-folder.js';
import { DEAD_DIR, ENTRY_FILE_RE, KEPT_FILE, RATE_LIMIT_FILE } from './outbox-layout.js';
import type { StrandedWhy } from './stranded.js';

const WHYS: ReadonlySet<string> = new Set<StrandedWhy>(['disabled', 'removed', 'moved', 'unknown-destination']);

/** One channel's alerts kept on disk: pending ones, those among them past their retry budget, and a saved 429 wait. */
export interface OutboxOnDisk {
  channel: string;
  folder: string;
  pending: number;
  dead: number;
  /** Wall ms the saved rate-limit wait ends, when it is still ahead. */
  rateLimitedUntil?: number;
  /** Of `pending`, those the daemon keeps and does not send (stranded: removed, disabled, moved), and why, as it last recorded. */
  kept?: { n: number; why: StrandedWhy };
}

/** The daemon's record of what it keeps (KEPT_FILE), per channel; {} when there is none or it cannot be read. */
function readKept(outbox: string): Record<string, { n: number; why: StrandedWhy }> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(outbox, KEPT_FILE), 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Record<string, { n: number; why: StrandedWhy }> = {};
    for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
      const k = v as { n?: unknown; why?: unknown } | null;
      // A why this release does not know (a newer one wrote it) is left out: the plain wording then applies.
      if (typeof k?.n === 'number' && k.n > 0 && typeof k.why === 'string' && WHYS.has(k.why)) out[name] = { n: k.n, why: k.why as StrandedWhy };
    }
    return out;
  } catch {
    return {};
  }
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
  const kept = readKept(outbox);
  const out: OutboxOnDisk[] = [];
  for (const folder of dirs) {
    const dead = countEntries(path.join(outbox, folder, DEAD_DIR));
    const pending = countEntries(path.join(outbox, folder)) + dead;
    if (pending === 0) continue;
    const until = savedUntil(path.join(outbox, folder, RATE_LIMIT_FILE), now);
    const channel = nameOfFolder(folder);
    // Some may have been delivered or discarded by hand since it was written: never more than the folder holds.
    const k = Object.hasOwn(kept, channel) ? kept[channel] : undefined;
    out.push({
      channel,
      folder: path.join(outbox, folder),
      pending,
      dead,
      ...(until !== undefined ? { rateLimitedUntil: until } : {}),
      ...(k !== undefined ? { kept: { n: Math.min(k.n, pending), why: k.why } } : {}),
    });
  }
  return out;
}
