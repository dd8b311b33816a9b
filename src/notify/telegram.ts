// Telegram Bot API sendMessage: HTML (default) or MarkdownV2, fully escaped, within 4096 characters.
import type { ChannelAdapter, HttpRequest } from './channel.js';
import type { ChannelConfig } from './notify-schema.js';
import { formatUtc, type Notification } from './format.js';
import { shareBudget, truncateEscaped } from './truncate.js';

type TelegramConfig = Extract<ChannelConfig, { type: 'telegram' }>;
export type TelegramParseMode = 'HTML' | 'MarkdownV2';

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

/** Text with `inline code` rendered as code in the parse mode; everything else escaped; an unpaired backtick stays literal. */
function richText(raw: string, m: Markup): string {
  const parts = raw.split('`');
  if (parts.length < 3) return m.escape(raw);
  const pairs = Math.floor((parts.length - 1) / 2);
  let out = '';
  parts.forEach((part, i) => {
    const inCode = i % 2 === 1 && i <= pairs * 2 - 1;
    if (inCode) out += m.code(m.escapeCode(part.replace(/\n/g, ' ')));
    else out += (i > pairs * 2 ? m.escape('`') : '') + m.escape(part);
  });
  return out;
}

/** richText within `max` characters: the raw text is shortened until its rendering fits (bounded), else plain escaping. */
function fitRich(raw: string, m: Markup, max: number): string {
  let text = raw;
  for (let i = 0; i < 8; i++) {
    const out = richText(text, m);
    if (out.length <= max) return text === raw ? out : out + m.escape('… [truncated]');
    const keep = Math.max(0, Math.floor((text.length * (max - 30)) / out.length) - 1);
    text = Array.from(text).slice(0, keep).join('');
  }
  return truncateEscaped(raw, m.escape, max);
}

/** The message text in the chosen parse mode, at most 4096 characters counted after escaping. */
export function telegramText(n: Notification, mode: TelegramParseMode, limit = TELEGRAM_TEXT_LIMIT): string {
  const m = mode === 'HTML' ? HTML : MARKDOWN_V2;
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

export function telegramChannel(cfg: TelegramConfig): ChannelAdapter {
  const base = cfg.apiBase.replace(/\/+$/, '');
  return {
    buildEdit(n: Notification, messageId: string): HttpRequest {
      const body = {
        chat_id: cfg.chatId,
        message_id: Number(messageId),
        text: telegramText(n, cfg.parseMode),
        parse_mode: cfg.parseMode,
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
    build(n: Notification): HttpRequest {
      const body = {
        chat_id: cfg.chatId,
        text: telegramText(n, cfg.parseMode),
        parse_mode: cfg.parseMode,
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
