// A channel renamed by position (`webhook` becoming `webhook-1` when a second one is added) keeps its spooled alerts,
// its rate-limit wait and its live-message book.
import { destinationOf, isPositionName } from './destination.js';
import type { ChannelConfig } from './notify-schema.js';
import { MOVED_CHAT_FILE, RATE_LIMIT_FILE, THREADS_FILE } from './outbox-layout.js';

/**
 * The channels each destination fingerprint may be adopted by: the one enabled channel that sends there now. A
 * destination two enabled channels share (other filters, other modes) is left out: which one queued it is not known.
 */
export function adoptersByDestination<C extends { name: string; cfg: ChannelConfig }>(enabled: readonly C[]): Map<string, C> {
  const out = new Map<string, C>();
  const shared = new Set<string>();
  for (const ch of enabled) {
    const dest = destinationOf(ch.cfg);
    if (out.has(dest)) shared.add(dest);
    else out.set(dest, ch);
  }
  for (const dest of shared) out.delete(dest);
  return out;
}

/**
 * Whether a channel's spool may follow its destination from the name `from` to the channel `to`: only between names
 * Clawback gave (the type, or by position), which shift on their own; a name a person chose and changed is theirs.
 */
export function mayAdopt(from: string, to: { name: string; cfg: ChannelConfig }): boolean {
  const auto = (n: string): boolean => n === to.cfg.type || isPositionName(n, to.cfg.type);
  return from !== to.name && auto(from) && auto(to.name);
}

/** The destination a bookkeeping file (rate-limit.json, threads.json, chat-moved.json) was written for, if it says. */
export function bookkeepingDest(parsed: unknown): string | undefined {
  if (!parsed || typeof parsed !== 'object') return undefined;
  const { dest } = parsed as { dest?: unknown };
  return typeof dest === 'string' ? dest : undefined;
}

/**
 * Where each bookkeeping file of a folder no channel is named after goes: the channel that took over its destination
 * under a name Clawback gave (mayAdopt), when it has none of that file yet. `dests` maps each file to the destination it
 * was written for; a live-message book posted in a chat the channel moved to is the moved chat's, `movedDest`.
 */
export function bookkeepingAdopter<C extends { name: string; cfg: ChannelConfig }>(
  from: string,
  dest: string | undefined,
  adopters: ReadonlyMap<string, C>,
  movedDest?: (to: C) => string | undefined,
): C | undefined {
  if (dest === undefined) return undefined; // an older version's file: whose it was is not known
  const direct = adopters.get(dest);
  if (direct) return mayAdopt(from, direct) ? direct : undefined;
  for (const to of adopters.values()) if (movedDest?.(to) === dest && mayAdopt(from, to)) return to;
  return undefined;
}

/** What adoptRenamedBookkeeping needs of the outbox. */
export interface BookkeepingStore {
  foldersSync(): string[];
  readBookkeepingSync(channel: string, file: string): unknown;
  moveBookkeepingSync(from: string, to: string, file: string): boolean;
}

/**
 * At start-up (or a reload's new notifier), before the channels read their bookkeeping: a folder left by a name that
 * shifted hands its 429 wait, its chat move and its live messages to the channel now sending there, as its spool goes.
 * Before, the renamed channel burst into a service that had asked it to wait, and an open incident's next step started
 * a new message or thread. Returns the moves made ("webhook → webhook-1: rate-limit.json").
 */
export function adoptRenamedBookkeeping(store: BookkeepingStore, channels: ReadonlyArray<ChannelConfig & { name: string }>): string[] {
  const enabled = channels.filter((c) => c.enabled).map((cfg) => ({ name: cfg.name, cfg }));
  const adopters = adoptersByDestination(enabled);
  if (adopters.size === 0) return [];
  const moves: string[] = [];
  // The chat a channel moved to (its own file, or the one just adopted): a live-message book posted there is its too.
  const movedDest = (to: { name: string; cfg: ChannelConfig }): string | undefined => {
    const saved = store.readBookkeepingSync(to.name, MOVED_CHAT_FILE) as { to?: unknown } | undefined;
    if (!saved || typeof saved.to !== 'string' || !('chatId' in to.cfg) || bookkeepingDest(saved) !== destinationOf(to.cfg)) return undefined;
    return destinationOf({ ...to.cfg, chatId: saved.to } as ChannelConfig);
  };
  for (const from of store.foldersSync()) {
    if (channels.some((c) => c.name === from)) continue;
    for (const file of [MOVED_CHAT_FILE, RATE_LIMIT_FILE, THREADS_FILE]) {
      const dest = bookkeepingDest(store.readBookkeepingSync(from, file));
      const to = bookkeepingAdopter(from, dest, adopters, file === THREADS_FILE ? movedDest : undefined);
      if (to && store.moveBookkeepingSync(from, to.name, file)) moves.push(`${from} → ${to.name}: ${file}`);
    }
  }
  return moves;
}
