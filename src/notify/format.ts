// Turns a ClawbackEvent into channel-neutral human text; pure, so every channel says the same thing.
import { formatTtr } from '../observe/time-to-recover.js';
import type { ClawbackEvent, EventType, Level, Severity } from '../observe/events.js';
import { formatDuration } from '../config/duration.js';
import { BIDI_CONTROL_CLASS, shownEscape } from '../platform/bidi.js';
import { setOwn } from '../observe/own-key.js';

export type NotificationKind = 'event' | 'reminder' | 'test';

export interface NotificationField {
  name: string;
  value: string;
}

/** What a channel renders; plain text everywhere, each channel escapes for its own markup. */
export interface Notification {
  kind: NotificationKind;
  severity: Severity;
  /** One line: emoji, service, what happened, ladder level. */
  title: string;
  /** The event's sentence. */
  message: string;
  /** Short extra lines: recovery time, reminder, delayed delivery. */
  notes: string[];
  /** Service, Level, Event, Duration, Incident (only those known). */
  fields: NotificationField[];
  /** Scalar details worth showing, as "key: value". */
  detailLines: string[];
  /** A log excerpt to show in a code block, if the event carries one. */
  excerpt?: string;
  /** Incident mode: the steps so far, one line each (also at the head of detailLines). */
  timeline?: string[];
  /** Event time, epoch ms. */
  time: number;
  /** Sent more than the delay threshold after the event. */
  delayed: boolean;
  host: string;
  event: ClawbackEvent;
  /** The alert's stable id, when it was spooled (test messages have none). */
  id?: string;
  /** An earlier request for this alert got no answer (the daemon killed mid-send): the receiver may have it already. */
  possibleDuplicate?: boolean;
}

export interface FormatContext {
  kind: NotificationKind;
  /** Send time, epoch ms. */
  now: number;
  host: string;
  /** When the incident opened (reminders only). */
  openedAt?: number;
  /** Messages sent later than this after their event are marked delayed (default 60 s). */
  delayThresholdMs?: number;
  /** Incident mode: the incident's timeline so far. */
  timeline?: string[];
  /** The alert's stable id (the same on every retry and after a daemon restart), for receivers that deduplicate. */
  id?: string;
  /** An earlier request for this alert got no answer: said in the text and the webhook body. */
  possibleDuplicate?: boolean;
}

/** The note on an alert sent again after a request for it got no answer (a daemon killed mid-send). */
export const POSSIBLE_DUPLICATE_NOTE = '(possibly a repeat: an earlier send of this alert got no answer, e.g. Clawback was stopped mid-send)';

export const LEVEL_NAMES: Readonly<Record<Level, string>> = {
  0: 'keep-alive',
  1: 'watchdog',
  2: 'doctor',
  3: 'emergency',
  4: 'human',
};

export const SEVERITY_EMOJI: Readonly<Record<Severity, string>> = {
  critical: '🔴',
  warning: '🟠',
  info: '🔵',
  resolved: '🟢',
};

const HEADLINES: Partial<Record<EventType, string>> = {
  'daemon.started': 'Clawback started',
  'daemon.stopped': 'Clawback stopped',
  'daemon.adopted': 'Running service adopted',
  'daemon.history-lost': 'Restart history lost',
  'daemon.housekeeping': 'Old evidence removed',
  'guardian.revived': 'Guardian revived the daemon',
  'daemon.died': 'Clawback daemon died',
  'daemon.machine-restarted': 'The machine restarted',
  'daemon.paused': 'Clawback was paused',
  'daemon.acknowledged': 'Daemon death acknowledged',
  'service.started': 'Service started',
  'service.exited': 'Service exited',
  'service.stopped': 'Service stopped',
  'service.restart-scheduled': 'Restart scheduled',
  'service.restarting': 'Restarting',
  'service.reset': 'Restart count reset',
  'service.healthy': 'Healthy',
  'service.unhealthy': 'Unhealthy',
  'probe.failed': 'Probe failed',
  'probe.unknown': 'Probe cannot judge',
  'probe.known': 'Probe judges again',
  'memory.warning': 'Memory warning',
  'memory.limit': 'Memory limit reached',
  'incident.opened': 'Incident opened',
  'incident.level': 'Incident level changed',
  'incident.action': 'Recovery action',
  'incident.resolved': 'Recovered',
  'incident.escalated': 'Incident escalated',
  'breaker.tripped': 'Crash-loop breaker tripped',
  'breaker.resumed': 'Resumed',
  'config.snapshot': 'Config snapshot saved',
  'doctor.finding': 'Doctor finding',
  'doctor.repair': 'Doctor repair',
  'agent.started': 'AI agent started',
  'agent.finished': 'AI agent finished',
  'prediction.warning': 'Failure predicted',
  'notify.test': 'Test notification',
  'notify.undelivered': 'Alerts undelivered',
  'notify.spool-rewritten': 'Alert spool deleted: rewritten',
  'notify.suppressed': 'Alerts suppressed (flood)',
  'notify.commands-failing': 'Chat commands not working',
  'notify.commands-recovered': 'Chat commands work again',
  'service.leftovers-killed': 'Leftover processes killed',
  'service.left-running': 'Left running under its manager',
  'service.pid-file-stale': 'Stale pid file passed over',
  'service.preflight': 'Checking before the start',
  'cluster.leader': 'This member took the lead',
  'cluster.standby': 'Standing by (another member leads)',
  'cluster.fenced': 'Self-fenced: lease not renewed',
  'cluster.failover': 'Failover to another member',
  'cluster.etcd-unreachable': 'etcd unusable',
  'cluster.etcd-reachable': 'etcd reachable again',
  'maintenance.started': 'Maintenance: healing paused',
  'maintenance.ended': 'Maintenance over: healing is back',
  'maintenance.reminder': 'Still in maintenance: not healed',
};

/** Keys of `details` rendered elsewhere, never as detail lines. */
const EXCERPT_KEYS = ['logExcerpt', 'logTail', 'excerpt'] as const;
const HIDDEN_DETAIL_KEYS = new Set<string>([...EXCERPT_KEYS, 'ttrMs', 'durationMs', 'reminder', 'openForMs']);
const MAX_DETAIL_LINES = 12;
const MAX_DETAIL_VALUE = 200;

/** Config events that saved no snapshot: "Config snapshot saved" over them said the opposite of what happened. */
const ACTION_HEADLINES: Readonly<Record<string, string>> = {
  'cluster-follow-skipped': "Config not taken from the cluster (this member runs its own)",
  'cluster-share-skipped': 'Config not shared with the cluster',
  'cluster-config-followed': "Took the cluster's config",
};

/**
 * Housekeeping that removed nothing: "Old evidence removed" over a log moved away under its service, queued events
 * dropped as damaged, or a clean-up that failed said the opposite of what happened.
 */
function housekeepingHeadline(details?: Readonly<Record<string, unknown>>): string | undefined {
  if (typeof details?.['writesTo'] === 'string') return "Service log moved: output not captured";
  if (typeof details?.['dropped'] === 'number') return 'Queued events dropped';
  if (details?.['error'] !== undefined && details['removed'] === undefined) return 'Clean-up failed';
  return undefined;
}

export function headline(type: EventType, details?: Readonly<Record<string, unknown>>): string {
  const byAction = type === 'config.snapshot' ? ACTION_HEADLINES[String(details?.['action'])] : type === 'daemon.housekeeping' ? housekeepingHeadline(details) : undefined;
  return byAction ?? HEADLINES[type] ?? type.replace(/[.-]/g, ' ');
}

export function levelLabel(level: Level): string {
  return `${level} (${LEVEL_NAMES[level] ?? 'unknown'})`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `14:03:22 UTC`, or with the date when `withDate`. */
export function formatUtc(ms: number, withDate = false): string {
  const d = new Date(ms);
  const time = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} UTC`;
  if (!withDate) return time;
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${time}`;
}

/**
 * Bidi embeddings, overrides and isolates (U+202A-E, U+2066-9) in what a service wrote would reorder the rest of the
 * alert as a chat client shows it ("Trojan Source"): shown as \\u202e, as the dashboard and the CLI do.
 */
const BIDI_CONTROL = new RegExp(`[${BIDI_CONTROL_CLASS}]`, 'g');

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Half a surrogate pair (text cut by UTF-16 unit upstream, e.g. a 500-character log line ending mid-emoji) becomes
 * U+FFFD: it is not valid Unicode, and the chat APIs and webhook receivers refuse the whole alert for it.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd').replace(BIDI_CONTROL, shownEscape);
}

/** wellFormed on every string (and key) of an event, at any depth JSON can hold. */
function wellFormedDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return wellFormed(value) as T;
  if (!value || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => wellFormedDeep(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) setOwn(out, wellFormed(k), wellFormedDeep(v, depth + 1));
  return out as T;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function excerptOf(details: Record<string, unknown> | undefined): string | undefined {
  if (!details) return undefined;
  for (const k of EXCERPT_KEYS) {
    const v = details[k];
    if (typeof v === 'string' && v.length > 0) return v;
    if (Array.isArray(v) && v.length > 0) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n');
  }
  return undefined;
}

function detailLines(details: Record<string, unknown> | undefined): string[] {
  if (!details) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(details)) {
    if (HIDDEN_DETAIL_KEYS.has(k) || v === undefined || v === null) continue;
    let text: string;
    if (typeof v === 'string') text = v;
    else if (typeof v === 'number' || typeof v === 'boolean') text = String(v);
    else text = JSON.stringify(v) ?? '';
    text = text.replace(/\s+/g, ' ').trim();
    if (text.length > MAX_DETAIL_VALUE) text = `${Array.from(text).slice(0, MAX_DETAIL_VALUE).join('')}…`;
    out.push(`${k}: ${text}`);
    if (out.length >= MAX_DETAIL_LINES) break;
  }
  return out;
}

/** The one formatting decision for every channel. */
export function formatNotification(raw: ClawbackEvent, ctx: FormatContext): Notification {
  const event = wellFormedDeep(raw);
  const threshold = ctx.delayThresholdMs ?? 60_000;
  const details = event.details;
  const service = event.service ?? 'clawback';
  const levelPart = event.level !== undefined ? ` · level ${levelLabel(event.level)}` : '';
  const prefix = ctx.kind === 'reminder' ? 'Reminder: ' : '';
  // An incident closed because a reload removed or replaced its service did not recover: not said so.
  // So is one closed because a person stopped the service before it recovered.
  const closedBy = event.type === 'incident.resolved' ? details?.['closedBy'] : undefined;
  const closedWithoutRecovery = closedBy === 'reload' || closedBy === 'stop';
  const what = closedBy === 'reload' ? 'Incident closed by a config reload' : closedBy === 'stop' ? 'Incident closed: stopped by a person' : headline(event.type, details);
  const title = `${SEVERITY_EMOJI[event.severity] ?? ''} ${prefix}${service}: ${what}${levelPart}`.trim();

  const notes: string[] = [];
  const fields: NotificationField[] = [{ name: 'Service', value: service }];
  if (event.level !== undefined) fields.push({ name: 'Level', value: levelLabel(event.level) });
  fields.push({ name: 'Event', value: event.type });

  const ttr = num(details?.['ttrMs']);
  const dur = num(details?.['durationMs']);
  if (ctx.kind === 'reminder' && ctx.openedAt !== undefined) {
    const open = Math.max(0, event.time - ctx.openedAt);
    notes.push(`Incident still open after ${formatDuration(open)}.`);
    fields.push({ name: 'Open for', value: formatDuration(open) });
  } else if (closedWithoutRecovery && ttr !== undefined) {
    notes.push(`Closed after ${formatTtr(ttr)}: ${closedBy === 'stop' ? 'a person stopped the service before it recovered' : 'a config reload removed or replaced the service'}.`);
    fields.push({ name: 'Open for', value: formatTtr(ttr) });
  } else if (event.type === 'incident.resolved' && ttr !== undefined) {
    notes.push(`Recovered in ${formatTtr(ttr)}.`);
    fields.push({ name: 'Time to recover', value: formatTtr(ttr) });
  } else if (ttr !== undefined) {
    fields.push({ name: 'Time to recover', value: formatTtr(ttr) });
  } else if (dur !== undefined) {
    fields.push({ name: 'Duration', value: formatDuration(dur) });
  }
  if (event.incidentId) fields.push({ name: 'Incident', value: event.incidentId });

  const delayMs = ctx.now - event.time;
  const delayed = delayMs > threshold;
  if (delayed) notes.push(`(delayed, event at ${formatUtc(event.time, delayMs > 20 * 3_600_000)})`);
  if (ctx.possibleDuplicate) notes.push(POSSIBLE_DUPLICATE_NOTE);

  const excerpt = excerptOf(details);
  const timeline = ctx.timeline && ctx.timeline.length > 0 ? ctx.timeline.map(wellFormed) : undefined;
  const lines = detailLines(details);
  return {
    kind: ctx.kind,
    severity: event.severity,
    title,
    message: event.message,
    notes,
    fields,
    detailLines: timeline ? ['Timeline:', ...timeline, ...(lines.length ? ['', ...lines] : [])] : lines,
    ...(excerpt !== undefined ? { excerpt } : {}),
    ...(timeline ? { timeline } : {}),
    time: event.time,
    delayed,
    host: wellFormed(ctx.host),
    event,
    ...(ctx.id !== undefined ? { id: ctx.id } : {}),
    ...(ctx.possibleDuplicate ? { possibleDuplicate: true } : {}),
  };
}
