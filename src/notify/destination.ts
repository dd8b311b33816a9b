// Where a channel's alerts go, as a non-secret fingerprint spooled with each alert: a channel name can come to mean other
// people (names by position shift when a channel above is removed), and a spool may only ever go where it was queued for.
import { createHash } from 'node:crypto';
import type { ChannelConfig } from './notify-schema.js';

/**
 * A short hash of the destination (the URL; Telegram's API base and chat; ntfy's server and topic), never the URL itself:
 * it holds a secret. The sender (bot token, username, headers) is not part of it: it does not change who reads.
 */
export function destinationOf(cfg: ChannelConfig): string {
  const where = cfg.type === 'telegram' ? [cfg.apiBase, String(cfg.chatId)] : cfg.type === 'ntfy' ? [cfg.server, cfg.topic] : [cfg.url];
  return createHash('sha256').update(JSON.stringify([cfg.type, ...where])).digest('hex').slice(0, 16);
}

/** A name a channel gets by its position (`slack-2`): it moves to another channel when one above is removed. */
export function isPositionName(name: string, type: string): boolean {
  return name.startsWith(`${type}-`) && /^\d+$/.test(name.slice(type.length + 1));
}

/**
 * Whether a spooled alert may go to this channel: only to the destination it was queued for. One spooled before the
 * fingerprint existed (an upgrade) is sent under a name a person chose, and kept under a name given by position.
 */
export function spooledFor(dest: string | undefined, cfg: ChannelConfig & { name: string }): 'same' | 'other' | 'unknown-position' {
  if (dest === undefined) return isPositionName(cfg.name, cfg.type) ? 'unknown-position' : 'same';
  return dest === destinationOf(cfg) ? 'same' : 'other';
}
