// Generic JSON webhook: the event itself plus a small versioned envelope, for people's own automation.
import type { ChannelAdapter, HttpRequest } from './channel.js';
import type { ChannelConfig } from './notify-schema.js';
import type { Notification, NotificationKind } from './format.js';
import type { ClawbackEvent } from '../observe/events.js';
import { truncateText } from './truncate.js';
import { headersOver } from './http-send.js';
import { setOwn } from '../observe/own-key.js';

type WebhookConfig = Extract<ChannelConfig, { type: 'webhook' }>;

/** Longest string kept inside `message` and `details` (a log excerpt is cut with the marker). */
export const WEBHOOK_MAX_STRING = 8192;

/**
 * The documented body of a generic webhook (schema version 1):
 * every field of the ClawbackEvent (type, time, severity, message, service?, incidentId?, level?, details?)
 * plus `version: 1`, `source: "clawback"`, `host`, `delayed` (sent > 1 min after the event),
 * `kind` ("event" | "reminder" | "test"), `title` (the one-line human summary) and `id`: the alert's idempotency key
 * (also the Idempotency-Key header), the same when a daemon crash makes Clawback send an alert again (absent on tests);
 * `possibleDuplicate: true` when an earlier request for it got no answer (the daemon killed or stopped mid-send, a timeout).
 */
export interface WebhookBody extends ClawbackEvent {
  id?: string;
  possibleDuplicate?: true;
  version: 1;
  source: 'clawback';
  host: string;
  delayed: boolean;
  kind: NotificationKind;
  title: string;
}

function capStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return truncateText(value, WEBHOOK_MAX_STRING);
  if (depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => capStrings(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) setOwn(out, k, capStrings(v, depth + 1));
    return out;
  }
  return value;
}

export function webhookBody(n: Notification): WebhookBody {
  const e = n.event;
  return {
    ...(n.id !== undefined ? { id: n.id } : {}),
    ...(n.possibleDuplicate ? { possibleDuplicate: true as const } : {}),
    version: 1,
    source: 'clawback',
    host: n.host,
    delayed: n.delayed,
    kind: n.kind,
    title: n.title,
    type: e.type,
    time: e.time,
    severity: e.severity,
    message: truncateText(e.message, WEBHOOK_MAX_STRING),
    ...(e.service !== undefined ? { service: e.service } : {}),
    ...(e.incidentId !== undefined ? { incidentId: e.incidentId } : {}),
    ...(e.level !== undefined ? { level: e.level } : {}),
    ...(e.details !== undefined ? { details: capStrings(e.details) as Record<string, unknown> } : {}),
  };
}

export function webhookChannel(cfg: WebhookConfig): ChannelAdapter {
  return {
    build(n: Notification): HttpRequest {
      return {
        url: cfg.url,
        method: cfg.method,
        headers: headersOver({ 'content-type': 'application/json', 'user-agent': 'clawback-notify/1', ...(n.id !== undefined ? { 'idempotency-key': n.id } : {}) }, cfg.headers),
        body: JSON.stringify(webhookBody(n)),
      };
    },
  };
}
