// Telegram Bot API sendMessage: HTML (default) or MarkdownV2, fully escaped, within 4096 characters.
import type { BuildOptions, ChannelAdapter, HttpRequest } from './channel.js';
import { wholeClusterEnd } from '../platform/cut-text.js';
import type { ChannelConfig } from './notify-schema.js';
import { formatUtc, type Notification } from './format.js';
import { TRUNCATION_MARKER, shareBudget, truncateEscaped } from './truncate.js';

type TelegramConfig = Extract<ChannelConfig, { type: 'telegram' }>;
/** `plain`: no parse_mode at all, the fallback when Telegram refuses our markup ("can't parse entities"). */
export type TelegramParseMode = 'HTML' | 'MarkdownV2' | 'plain';

export const TELEGRAM_TEXT_LIMIT = 4096;

/** HTML parse mode: only <, > and & are special. */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** MarkdownV2 outside entities: every one of _*[]()~`>#+-=|{}.! and the backslash gets a backslash. */
export function escapeMarkdownV2(text: string): string {
  return text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, (c) => `\\${c}`);
}

/** MarkdownV2 inside pre/code: only ` and \ are escaped. */
export function escapeMarkdownV2Code(text: string): string {
  return text.replace(/[`\\]/g, (c) => `\\${c}`);
}

interface Markup {
  escape(s: string): string;
  escapeCode(s: string): string;
  /** Inline code around already escaped text. */
  code(escaped: string): string;
  bold(escaped: string): string;
  italic(escaped: string): string;
  pre(escaped: string): string;
  preWrapLength: number;
}

const HTML: Markup = {
  escape: escapeTelegramHtml,
  escapeCode: escapeTelegramHtml,
  code: (s) => `<code>${s}</code>`,
  bold: (s) => `<b>${s}</b>`,
  italic: (s) => `<i>${s}</i>`,
  pre: (s) => `<pre>${s}</pre>`,
  preWrapLength: '<pre></pre>'.length,
};

const MARKDOWN_V2: Markup = {
  escape: escapeMarkdownV2,
  escapeCode: escapeMarkdownV2Code,
  code: (s) => '`' + s + '`',
  bold: (s) => `*${s}*`,
  italic: (s) => `_${s}_`,
  pre: (s) => '```\n' + s + '\n```',
  preWrapLength: '```\n\n```'.length,
};

const PLAIN: Markup = {
  escape: (s) => s,
  escapeCode: (s) => s,
  code: (s) => '`' + s + '`',
  bold: (s) => s,
  italic: (s) => s,
  pre: (s) => s,
  preWrapLength: 0,
};

/**
 * Text with `inline code` rendered as code in the parse mode; everything else escaped; an unpaired backtick stays
 * literal, and so does an empty pair (rendered as code, "``" next to another span makes "```", which Telegram
 * reads as the start of a pre block and then refuses the whole message).
 */
function richText(raw: string, m: Markup): string {
  const parts = raw.split('`');
  if (parts.length < 3) return m.escape(raw);
  const pairs = Math.floor((parts.length - 1) / 2);
  let out = '';
  parts.forEach((part, i) => {
    const inCode = i % 2 === 1 && i <= pairs * 2 - 1;
    if (inCode && part === '') out += m.escape('``');
    else if (inCode) out += m.code(m.escapeCode(part.replace(/\n/g, ' ')));
    else out += (i > pairs * 2 ? m.escape('`') : '') + m.escape(part);
  });
  return out;
}

/** richText within `max` characters, the marker included: the raw text is shortened until its rendering fits (bounded), else plain escaping. */
function fitRich(raw: string, m: Markup, max: number): string {
  const full = richText(raw, m);
  if (full.length <= max) return full;
  const marker = m.escape(TRUNCATION_MARKER);
  let text = raw;
  let out = full;
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.floor((text.length * (max - marker.length - 16)) / Math.max(1, out.length)) - 1);
    text = text.slice(0, wholeClusterEnd(text, Array.from(text).slice(0, keep).join('').length));
    out = richText(text, m);
    if (out.length + marker.length <= max) return out + marker;
  }
  return truncateEscaped(raw, m.escape, max);
}

/** The message text in the chosen parse mode, at most 4096 characters counted after escaping. */
export function telegramText(n: Notification, mode: TelegramParseMode, limit = TELEGRAM_TEXT_LIMIT): string {
  const m = mode === 'HTML' ? HTML : mode === 'plain' ? PLAIN : MARKDOWN_V2;
  const title = m.bold(truncateEscaped(n.title, m.escape, 300));
  const fieldLines = [...n.fields, { name: 'Time', value: formatUtc(n.time, true) }, { name: 'Host', value: n.host }]
    .map((f) => `${m.bold(m.escape(`${f.name}:`))} ${truncateEscaped(f.value, m.escape, 250)}`)
    .join('\n');
  const notes = n.notes.map((x) => m.italic(truncateEscaped(x, m.escape, 300))).join('\n');
  const rawDetails = n.detailLines.join('\n');

  const sep = '\n\n';
  const fixed = title.length + sep.length + fieldLines.length + (notes ? notes.length + 1 : 0);
  const budget = limit - fixed - sep.length * 3;
  const needs = [
    richText(n.message, m).length,
    rawDetails ? richText(rawDetails, m).length : 0,
    n.excerpt ? m.escapeCode(n.excerpt).length + m.preWrapLength : 0,
  ];
  const [msgB, detB, exB] = shareBudget(budget, needs, 800);

  const parts: string[] = [title];
  let body = fitRich(n.message, m, msgB!);
  if (notes) body += `\n${notes}`;
  parts.push(body);
  if (rawDetails && detB! > 0 && detB! >= Math.min(needs[1]!, 20)) parts.push(fitRich(rawDetails, m, detB!));
  parts.push(fieldLines);
  if (n.excerpt && exB! > m.preWrapLength + 20) parts.push(m.pre(truncateEscaped(n.excerpt, m.escapeCode, exB! - m.preWrapLength)));
  return parts.join(sep);
}

/** Telegram refused the markup itself (a 400 "can't parse entities"): the same message in plain text will pass. */
export function telegramMarkupRefused(status: number, body: string): boolean {
  return status === 400 && /can't parse entities|can't find end of|unsupported start tag|unexpected end tag|entity beginning/i.test(body);
}

/** A group upgraded to a supergroup: 400 with `parameters.migrate_to_chat_id`, the chat's new id. */
export function telegramChatMovedTo(status: number, body: string): string | undefined {
  if (status !== 400 || !body || body.length > 100_000) return undefined;
  try {
    const id = (JSON.parse(body) as { parameters?: { migrate_to_chat_id?: unknown } }).parameters?.migrate_to_chat_id;
    return typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : undefined;
  } catch {
    return undefined;
  }
}

export function telegramChannel(cfg: TelegramConfig): ChannelAdapter {
  const base = cfg.apiBase.replace(/\/+$/, '');
  const formatting = (plain: boolean | undefined): { text: (n: Notification) => string; parse_mode?: string } =>
    plain ? { text: (n) => telegramText(n, 'plain') } : { text: (n) => telegramText(n, cfg.parseMode), parse_mode: cfg.parseMode };
  return {
    markupRefused: telegramMarkupRefused,
    chatMovedTo: telegramChatMovedTo,
    buildEdit(n: Notification, messageId: string, opts?: BuildOptions): HttpRequest {
      const f = formatting(opts?.plain);
      const body = {
        chat_id: opts?.chatId ?? cfg.chatId,
        message_id: Number(messageId),
        text: f.text(n),
        ...(f.parse_mode ? { parse_mode: f.parse_mode } : {}),
        link_preview_options: { is_disabled: true },
      };
      return { url: `${base}/bot${cfg.botToken}/editMessageText`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    },
    messageIdOf(body: string): string | undefined {
      try {
        const id = (JSON.parse(body) as { result?: { message_id?: unknown } }).result?.message_id;
        return typeof id === 'number' || (typeof id === 'string' && id.length > 0) ? String(id) : undefined;
      } catch {
        return undefined;
      }
    },
    editUnchanged(status: number, body: string): boolean {
      return status === 400 && /message is not modified/i.test(body);
    },
    build(n: Notification, opts?: BuildOptions): HttpRequest {
      const f = formatting(opts?.plain);
      const body = {
        chat_id: opts?.chatId ?? cfg.chatId,
        text: f.text(n),
        ...(f.parse_mode ? { parse_mode: f.parse_mode } : {}),
        link_preview_options: { is_disabled: true },
        ...(cfg.messageThreadId !== undefined ? { message_thread_id: cfg.messageThreadId } : {}),
        ...(cfg.disableNotification ? { disable_notification: true } : {}),
      };
      return {
        url: `${base}/bot${cfg.botToken}/sendMessage`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      };
    },
  };
}
