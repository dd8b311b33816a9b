// ntfy: POST {server}/{topic} with Title/Priority/Tags headers and a plain-text body of at most 4096 bytes.
import type { ChannelAdapter, HttpRequest } from './channel.js';
import type { ChannelConfig } from './notify-schema.js';
import { formatUtc, type Notification } from './format.js';
import type { Severity } from '../observe/events.js';
import { truncateText, truncateUtf8 } from './truncate.js';

type NtfyConfig = Extract<ChannelConfig, { type: 'ntfy' }>;

export const NTFY_BODY_LIMIT = 4096;

export const NTFY_PRIORITY: Readonly<Record<Severity, number>> = { critical: 5, warning: 4, info: 3, resolved: 3 };
export const NTFY_TAGS: Readonly<Record<Severity, string>> = {
  critical: 'rotating_light',
  warning: 'warning',
  info: 'information_source',
  resolved: 'white_check_mark',
};

/**
 * HTTP header values must be single-line Latin-1; ntfy decodes RFC 2047 encoded-words,
 * so anything else travels as =?UTF-8?B?…?=.
 */
export function encodeHeaderValue(text: string): string {
  const line = text.replace(/[\r\n\t]+/g, ' ').trim();
  if (/^[\x20-\x7e]*$/.test(line)) return line;
  return `=?UTF-8?B?${Buffer.from(line, 'utf8').toString('base64')}?=`;
}

export function ntfyBody(n: Notification, limit = NTFY_BODY_LIMIT): string {
  const head = [n.message, ...n.notes].join('\n');
  const meta = [...n.fields.map((f) => `${f.name}: ${f.value}`), `Time: ${formatUtc(n.time, true)}`, `Host: ${n.host}`].join('\n');
  const details = n.detailLines.join('\n');
  // Priority: the message, then the facts, then details, then the excerpt; each part is cut in turn.
  const headPart = truncateUtf8(head, Math.min(limit, 1500));
  const metaPart = truncateUtf8(meta, 800);
  let out = `${headPart}\n\n${metaPart}`;
  if (details) out += `\n\n${truncateUtf8(details, 800)}`;
  if (n.excerpt) {
    const left = limit - Buffer.byteLength(out, 'utf8') - 2;
    if (left > 60) out += `\n\n${truncateUtf8(n.excerpt, left)}`;
  }
  return truncateUtf8(out, limit);
}

/**
 * Where a topic is published: the topic appended to the server's path. Appended to the text, a server with a query
 * (`https://ntfy.example.com/?auth=…`, ntfy's own way to pass a token) got the topic inside the query: `?auth=…/alerts`.
 */
export function ntfyTopicUrl(server: string, topic: string): string {
  const u = new URL(server);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${topic}`;
  u.hash = '';
  return u.href;
}

export function ntfyChannel(cfg: NtfyConfig): ChannelAdapter {
  const url = ntfyTopicUrl(cfg.server, cfg.topic);
  return {
    build(n: Notification): HttpRequest {
      const headers: Record<string, string> = {
        'content-type': 'text/plain; charset=utf-8',
        Title: encodeHeaderValue(truncateText(n.title, 250)),
        Priority: String(NTFY_PRIORITY[n.severity]),
        Tags: NTFY_TAGS[n.severity],
      };
      if (cfg.token) headers['Authorization'] = `Bearer ${cfg.token}`;
      return { url, method: 'POST', headers, body: ntfyBody(n) };
    },
  };
}
