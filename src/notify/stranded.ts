// Alerts kept for a channel that is no longer configured (or is disabled): bounded like the live outbox, and announced
// once per change rather than on every daemon start.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import { mustKeep } from './flood-summary.js';
import { KEPT_FILE } from './outbox-layout.js';
import type { OutboxEntry } from './outbox.js';

/** Beside the channel directories of the outbox (a file: never taken for a channel): what was last announced. */
export const STRANDED_FILE = 'stranded.json';

export interface StrandedBound {
  /** Kept, in spool order. */
  keep: OutboxEntry[];
  /** Older than outboxMaxAge (counted from when it was queued). */
  expired: OutboxEntry[];
  /** Past outboxLimit: the oldest that may be folded (never a must-keep one). */
  overflow: OutboxEntry[];
}

/**
 * Stranded alerts are never sent, so nothing else ever ages them out: past outboxMaxAge they go, and past outboxLimit the
 * oldest ordinary ones go (as capParked does for a live channel). A clock stepped back makes an entry younger, never
 * older than it is.
 */
export function boundStranded(entries: readonly OutboxEntry[], opts: { now: number; maxAgeMs: number; limit: number }): StrandedBound {
  const expired: OutboxEntry[] = [];
  const keep: OutboxEntry[] = [];
  for (const e of entries) (opts.now - e.createdAt > opts.maxAgeMs ? expired : keep).push(e);
  const overflow: OutboxEntry[] = [];
  let excess = keep.length - opts.limit;
  for (let i = 0; i < keep.length && excess > 0; ) {
    if (mustKeep(keep[i]!.event)) {
      i++;
      continue;
    }
    overflow.push(...keep.splice(i, 1));
    excess--;
  }
  return { keep, expired, overflow };
}

/**
 * Why alerts are kept and not sent: their channel is disabled, or no channel has their name any more, or the channel of
 * that name now sends elsewhere (`moved`), or they predate the destination fingerprint under a name given by position.
 */
export type StrandedWhy = 'disabled' | 'removed' | 'moved' | 'unknown-destination';

/** What a notice says about a channel's kept alerts: it changes when they change (count, newest, why). */
export function strandedState(entries: readonly OutboxEntry[], why: StrandedWhy): string {
  const last = entries.reduce((m, e) => Math.max(m, e.seq), 0);
  return `${entries.length}:${last}:${why}`;
}

/** The states last announced, per channel; {} when none was recorded or the record is unreadable (announce again). */
export function readAnnounced(outboxDir: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(outboxDir, STRANDED_FILE), 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((kv): kv is [string, string] => typeof kv[1] === 'string'));
  } catch {
    return {};
  }
}

export function writeAnnounced(outboxDir: string, states: Record<string, string>): void {
  writeFileAtomicSync(path.join(outboxDir, STRANDED_FILE), JSON.stringify(states), { mode: 0o600 });
}

/** What is kept now, per channel with some (read back by notify/outbox-on-disk.ts); the file goes when nothing is. */
export function writeKept(outboxDir: string, kept: Record<string, { n: number; why: StrandedWhy }>): void {
  const file = path.join(outboxDir, KEPT_FILE);
  if (Object.keys(kept).length === 0) rmSync(file, { force: true });
  else writeFileAtomicSync(file, JSON.stringify(kept), { mode: 0o600 });
}
