// Two channels sending to one place (the same webhook URL, or the same Telegram chat) were "valid", and every alert went
// there twice. Said by validate, at start and on reload, as a warning (a config that loaded before still loads); the
// channels are named by field and name, never by URL (it holds a secret).
import { isLoopbackHost, type NotifyConfig } from './notify-schema.js';

type Channel = NotifyConfig['channels'][number];

/** A URL compared as a chat service reads it: host case, a default port, a trailing slash and the loopback name make no difference. */
function sameUrl(raw: string): string {
  try {
    const u = new URL(raw);
    u.hash = '';
    // localhost, 127.0.0.0/8 and [::1] all reach the one local receiver.
    if (isLoopbackHost(u.hostname)) u.hostname = '127.0.0.1';
    u.pathname = u.pathname.replace(/\/+$/, '');
    return u.href;
  } catch {
    return raw;
  }
}

/** Where a channel's messages end up, as a comparable key (a Telegram forum topic is a place of its own). */
function placeOf(c: Channel): string {
  if (c.type === 'telegram') return JSON.stringify([c.type, sameUrl(c.apiBase), String(c.chatId), c.messageThreadId ?? null]);
  if (c.type === 'ntfy') return JSON.stringify([c.type, sameUrl(c.server), c.topic]);
  return JSON.stringify([c.type, sameUrl(c.url)]);
}

/** One line per enabled channel whose destination an earlier enabled channel already has. */
export function duplicateDestinationWarnings(notify: Pick<NotifyConfig, 'channels'>): string[] {
  const warnings: string[] = [];
  const first = new Map<string, string>();
  notify.channels.forEach((c, i) => {
    if (c.enabled === false) return;
    const label = (j: number, ch: Channel): string => `notify.channels[${j}]${ch.name ? ` (${ch.name})` : ''}`;
    const key = placeOf(c);
    const other = first.get(key);
    if (other === undefined) {
      first.set(key, label(i, c));
      return;
    }
    const field = c.type === 'telegram' ? 'chatId' : c.type === 'ntfy' ? 'topic' : 'url';
    warnings.push(
      `${label(i, c)}.${field}: sends to the same ${c.type === 'telegram' ? 'chat' : c.type === 'ntfy' ? 'topic' : 'URL'} as ${other}: every alert both channels pass is posted there twice; expected one channel per destination (use minSeverity, events or exclude on one channel to choose what it gets)`,
    );
  });
  return warnings;
}
