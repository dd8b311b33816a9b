// Slack incoming webhooks: `{text, blocks}` with section blocks, escaped mrkdwn, within Block Kit limits.
import type { ChannelAdapter, HttpRequest } from './channel.js';
import type { ChannelConfig } from './notify-schema.js';
import type { Notification } from './format.js';
import { shareBudget, truncateEntities, truncateEscaped, truncateText } from './truncate.js';

type SlackConfig = Extract<ChannelConfig, { type: 'slack' }>;

export const SLACK_LIMITS = {
  text: 3000,
  sectionText: 3000,
  headerText: 150,
  fields: 10,
  fieldText: 2000,
  blocks: 50,
  contextElements: 10,
} as const;

export type SlackTextObject = { type: 'mrkdwn' | 'plain_text'; text: string; emoji?: boolean };
export type SlackBlock =
  | { type: 'header'; text: SlackTextObject }
  | { type: 'section'; text?: SlackTextObject; fields?: SlackTextObject[] }
  | { type: 'context'; elements: SlackTextObject[] }
  | { type: 'divider' };

export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

/** Slack mrkdwn needs only &, < and > escaped. */
export function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Escapes and keeps a log excerpt from closing its code block early. */
function escapeSlackCode(text: string): string {
  return escapeSlack(text).replace(/`/g, 'ˋ');
}

function mrkdwn(text: string): SlackTextObject {
  return { type: 'mrkdwn', text };
}

export function slackPayload(n: Notification): SlackPayload {
  const L = SLACK_LIMITS;
  const blocks: SlackBlock[] = [];
  blocks.push({ type: 'header', text: { type: 'plain_text', text: truncateText(n.title, L.headerText), emoji: true } });

  const notes = n.notes.map((x) => `_${escapeSlack(x)}_`).join('\n');
  const rawDetails = n.detailLines.join('\n');
  const detNeed = rawDetails ? escapeSlack(rawDetails).length + 1 : 0;
  // An empty message is shown as "-": that character is counted, or the section came out one over its limit.
  const message = n.message || '-';
  const [msgBudget, detBudget] = shareBudget(L.sectionText - (notes ? notes.length + 1 : 0), [escapeSlack(message).length, detNeed], 800);
  let main = truncateEscaped(message, escapeSlack, Math.max(msgBudget!, 40));
  if (notes) main += `\n${notes}`;
  if (rawDetails && detBudget! > 1 && detBudget! >= Math.min(detNeed, 20)) main += `\n${truncateEscaped(rawDetails, escapeSlack, detBudget! - 1)}`;
  // Already escaped: the last cut must not land inside an entity ("&am" is a bare & Slack shows as text).
  blocks.push({ type: 'section', text: mrkdwn(truncateEntities(main, L.sectionText)) });

  const fields = n.fields.slice(0, L.fields).map((f) => mrkdwn(`*${escapeSlack(f.name)}*\n${truncateEscaped(f.value, escapeSlack, 500)}`));
  if (fields.length > 0) blocks.push({ type: 'section', fields });

  if (n.excerpt) {
    const wrap = '```\n\n```'.length;
    blocks.push({ type: 'section', text: mrkdwn('```\n' + truncateEscaped(n.excerpt, escapeSlackCode, L.sectionText - wrap) + '\n```') });
  }

  const unix = Math.floor(n.time / 1000);
  const fallback = new Date(n.time).toISOString();
  blocks.push({
    type: 'context',
    elements: [mrkdwn(`Clawback on ${truncateEscaped(n.host, escapeSlack, 200)} · <!date^${unix}^{date_short_pretty} {time_secs}|${fallback}>`)],
  });

  const text = truncateEscaped(`${n.title}: ${n.message}${n.notes.length ? ` ${n.notes.join(' ')}` : ''}`, escapeSlack, L.text);
  return { text, blocks: blocks.slice(0, L.blocks) };
}

export function slackChannel(cfg: SlackConfig): ChannelAdapter {
  return {
    build(n: Notification): HttpRequest {
      return { url: cfg.url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(slackPayload(n)) };
    },
  };
}
