// Discord webhooks: one embed coloured by severity, shaped like Uptime Kuma's alerts, within Discord's limits.
import type { ChannelAdapter, HttpRequest } from './channel.js';
import { wholeClusterEnd } from '../platform/cut-text.js';
import type { ChannelConfig } from './notify-schema.js';
import type { Notification } from './format.js';
import type { Severity } from '../observe/events.js';
import { codePointCount, shareBudget, truncateEscaped, truncateText as cutUnits, TRUNCATION_MARKER } from './truncate.js';

/**
 * Discord counts its limits in code points (its API is Python): counted in UTF-16 units, a text of emoji was cut at 2048
 * of the 4096 its embed description allows.
 */
const len = codePointCount;
const truncateText = (text: string, max: number, marker: string = TRUNCATION_MARKER): string => cutUnits(text, max, marker, len);

type DiscordConfig = Extract<ChannelConfig, { type: 'discord' }>;

export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  total: 6000,
  username: 80,
} as const;

export const DISCORD_COLORS: Readonly<Record<Severity, number>> = {
  critical: 0xed4245,
  warning: 0xf0a020,
  info: 0x3498db,
  resolved: 0x57f287,
};

export interface DiscordEmbed {
  title?: string;
  description?: string;
  color?: number;
  fields?: Array<{ name: string; value: string; inline?: boolean }>;
  footer?: { text: string };
  author?: { name: string };
  timestamp?: string;
}

export interface DiscordPayload {
  username?: string;
  avatar_url?: string;
  content?: string;
  embeds?: DiscordEmbed[];
  allowed_mentions: { parse: string[] };
}

/**
 * Backslash-escapes Discord markdown so a message renders literally: also `[` and `]` (a service's `[text](url)` showed
 * as a disguised clickable link) and `#` / `-#` at a line's start (a log line showed as a heading or as subtext).
 */
export function escapeDiscordMarkdown(text: string): string {
  return text.replace(/[\\*_~`|>[\]]/g, (c) => `\\${c}`).replace(/^([ \t]*)(-?#)/gm, (_m, lead: string, mark: string) => `${lead}\\${mark}`);
}

/**
 * Discord text that keeps `inline code` as code (a backslash inside a code span would show literally) and
 * escapes markdown everywhere else; an unpaired backtick is escaped.
 */
export function discordText(text: string): string {
  const parts = text.split('`');
  if (parts.length < 3) return escapeDiscordMarkdown(text);
  let out = '';
  const pairs = Math.floor((parts.length - 1) / 2);
  parts.forEach((part, i) => {
    const inCode = i % 2 === 1 && i <= pairs * 2 - 1;
    if (i > 0) out += i <= pairs * 2 ? '`' : '\\`';
    out += inCode ? part.replace(/\n/g, ' ') : escapeDiscordMarkdown(part);
  });
  return out;
}

/** discordText within `max` characters: the raw text is shortened until its rendering fits (bounded). */
function fitDiscordText(raw: string, max: number): string {
  let text = raw;
  for (let i = 0; i < 8; i++) {
    const out = discordText(text);
    const outLen = len(out);
    if (outLen <= max) return text === raw ? out : out + '… [truncated]';
    const keep = Math.max(0, Math.floor((len(text) * (max - 20)) / outLen) - 1);
    text = text.slice(0, wholeClusterEnd(text, Array.from(text).slice(0, keep).join('').length));
  }
  return truncateEscaped(raw, escapeDiscordMarkdown, max, TRUNCATION_MARKER, len);
}

/** Keeps a log excerpt from closing its code block early. */
function escapeCodeBlock(text: string): string {
  return text.replace(/`/g, '`\u200b');
}

function embedSize(e: DiscordEmbed): number {
  let n = len(e.title ?? '') + len(e.description ?? '') + len(e.footer?.text ?? '') + len(e.author?.name ?? '');
  for (const f of e.fields ?? []) n += len(f.name) + len(f.value);
  return n;
}

/** Enforces every Discord limit on an arbitrary payload, shortening text rather than failing. */
export function fitDiscordPayload(p: DiscordPayload): DiscordPayload {
  const L = DISCORD_LIMITS;
  const out: DiscordPayload = { ...p };
  if (out.username !== undefined) out.username = truncateText(out.username, L.username, '…');
  if (out.content !== undefined) out.content = truncateText(out.content, L.content);
  if (out.embeds) {
    out.embeds = out.embeds.slice(0, L.embeds).map((e) => {
      const c: DiscordEmbed = { ...e };
      if (c.title !== undefined) c.title = truncateText(c.title, L.title);
      if (c.description !== undefined) c.description = truncateText(c.description, L.description);
      if (c.footer) c.footer = { text: truncateText(c.footer.text, L.footer) };
      if (c.author) c.author = { name: truncateText(c.author.name, L.author) };
      if (c.fields) {
        c.fields = c.fields.slice(0, L.fields).map((f) => ({
          ...f,
          name: truncateText(f.name || '-', L.fieldName),
          value: truncateText(f.value || '-', L.fieldValue),
        }));
      }
      return c;
    });
    // The 6000-character total across all embeds: shorten descriptions from the last embed, then drop embeds.
    let total = out.embeds.reduce((s, e) => s + embedSize(e), 0);
    for (let i = out.embeds.length - 1; i >= 0 && total > L.total; i--) {
      const e = out.embeds[i]!;
      if (e.description) {
        const keep = Math.max(0, len(e.description) - (total - L.total));
        const before = embedSize(e);
        e.description = keep > 20 ? truncateText(e.description, keep) : '…';
        total -= before - embedSize(e);
      }
    }
    while (total > L.total && out.embeds.length > 1) {
      total -= embedSize(out.embeds.pop()!);
    }
    const only = out.embeds[0];
    while (only?.fields && only.fields.length > 0 && embedSize(only) > L.total) only.fields.pop();
  }
  return out;
}

function description(n: Notification, max: number): string {
  const notes = n.notes.map(discordText).join('\n');
  const rawDetails = n.detailLines.join('\n');
  const details = discordText(rawDetails);
  const fixed = (notes ? len(notes) + 1 : 0) + 2;
  const excerptWrap = n.excerpt ? '```\n\n```'.length + 2 : 0;
  const msgNeed = len(discordText(n.message));
  const detNeed = details.length ? len(details) + 1 : 0;
  const exNeed = n.excerpt ? len(escapeCodeBlock(n.excerpt)) + excerptWrap : 0;
  const [msgBudget, detBudget, exBudget] = shareBudget(max - fixed, [msgNeed, detNeed, exNeed], 1000);
  const parts: string[] = [fitDiscordText(n.message, msgBudget!)];
  if (notes) parts.push(notes);
  if (detNeed > 0 && detBudget! > 1 && detBudget! >= Math.min(detNeed, 20)) parts.push(fitDiscordText(rawDetails, detBudget! - 1));
  if (n.excerpt && exBudget! > excerptWrap + 20) {
    parts.push('```\n' + truncateEscaped(n.excerpt, escapeCodeBlock, exBudget! - excerptWrap, TRUNCATION_MARKER, len) + '\n```');
  }
  return truncateText(parts.join('\n'), max);
}

/**
 * The username override, or none when Discord refuses it (400 "Username cannot contain ..."): a name containing "discord"
 * or "clyde", or one that is "everyone" or "here". Sent, it had every alert refused for good (parked as a dead letter);
 * without it Discord shows the webhook's own name and the alert arrives.
 */
export function discordUsername(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const n = name.trim().toLowerCase();
  if (n === '' || n.includes('discord') || n.includes('clyde') || n === 'everyone' || n === 'here') return undefined;
  return name;
}

export function discordPayload(cfg: Pick<DiscordConfig, 'username' | 'avatarUrl'>, n: Notification): DiscordPayload {
  const username = discordUsername(cfg.username);
  const unix = Math.floor(n.time / 1000);
  const fields = n.fields.map((f) => ({ name: f.name, value: f.name === 'Event' ? `\`${f.value}\`` : discordText(f.value), inline: true }));
  fields.push({ name: 'Time', value: `<t:${unix}:F> (<t:${unix}:R>)`, inline: false });
  const title = truncateText(n.title, DISCORD_LIMITS.title);
  const footer = truncateText(`Clawback on ${n.host}`, DISCORD_LIMITS.footer);
  const fitted = fields.map((f) => ({ ...f, name: truncateText(f.name, DISCORD_LIMITS.fieldName), value: truncateText(f.value, DISCORD_LIMITS.fieldValue) }));
  const others = len(title) + len(footer) + fitted.reduce((s, f) => s + len(f.name) + len(f.value), 0);
  const descMax = Math.max(100, Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.total - others));
  const payload: DiscordPayload = {
    ...(username !== undefined ? { username } : {}),
    ...(cfg.avatarUrl ? { avatar_url: cfg.avatarUrl } : {}),
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title,
        description: description(n, descMax),
        color: DISCORD_COLORS[n.severity],
        fields: fitted,
        footer: { text: footer },
        timestamp: new Date(n.time).toISOString(),
      },
    ],
  };
  return fitDiscordPayload(payload);
}

/** `?wait=true`: Discord answers with the message (and its id) instead of 204, so it can be edited later. */
export function discordPostUrl(url: string): string {
  const u = new URL(url);
  u.searchParams.set('wait', 'true');
  return u.toString();
}

/** PATCH /webhooks/{id}/{token}/messages/{message_id} (a thread_id query is kept). */
export function discordEditUrl(url: string, messageId: string): string {
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/messages/${encodeURIComponent(messageId)}`;
  u.searchParams.delete('wait');
  return u.toString();
}

export function discordChannel(cfg: DiscordConfig): ChannelAdapter {
  return {
    build(n: Notification): HttpRequest {
      return {
        url: discordPostUrl(cfg.url),
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(discordPayload(cfg, n)),
      };
    },
    buildEdit(n: Notification, messageId: string): HttpRequest {
      const { username: _u, avatar_url: _a, ...body } = discordPayload(cfg, n);
      return { url: discordEditUrl(cfg.url, messageId), method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    },
    messageIdOf(body: string): string | undefined {
      try {
        const id = (JSON.parse(body) as { id?: unknown }).id;
        return typeof id === 'string' && id.length > 0 ? id : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
