// A channel renamed by position (`webhook` becoming `webhook-1` when a second one is added) keeps its spooled alerts.
import { destinationOf, isPositionName } from './destination.js';
import type { ChannelConfig } from './notify-schema.js';

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
