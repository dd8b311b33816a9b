// One live message per incident: a pure decision of what a channel sends for each event (new, edit, nothing).
import type { ClawbackEvent, EventType } from '../observe/events.js';
import { formatDuration } from '../config/duration.js';
import { formatUtc, headline } from './format.js';

/** `incident`: one live message per incident (default); `every-event`: one message per event, as before. */
export type ChannelMode = 'incident' | 'every-event';

export interface ThreadStep {
  time: number;
  type: EventType;
  text: string;
}

export interface IncidentThread {
  incidentId: string;
  service: string;
  openedAt: number;
  steps: ThreadStep[];
  /** Id of the live message on an editable channel (Discord message id, Telegram message_id). */
  messageId?: string;
  closedAt?: number;
  /** A repeat of a flapping series (recurrence 2 and later): nothing is sent for it unless it escalates to a person. */
  quiet?: boolean;
}

/** Everything a channel remembers about incident messages; persisted as JSON so message ids survive a restart. */
export interface ThreadBook {
  v: 1;
  threads: Record<string, IncidentThread>;
  /** Lifecycle events of a service seen just before its incident opened (they start its timeline). */
  preface: Record<string, ThreadStep[]>;
  /** Where its message ids live (destinationOf, after a followed chat move); absent in a book an older version wrote. */
  dest?: string;
}

export type SendPlan = { send: 'none' } | { send: 'new' } | { send: 'edit'; messageId: string };

export interface ThreadDecision {
  plan: SendPlan;
  /** The thread the event belongs to, after the event (absent for standalone events). */
  thread?: IncidentThread;
  /** The book after the event; commit it only once the send succeeded (a retry decides again from the old one). */
  book: ThreadBook;
}

/** Sent on their own even in incident mode: facts about the daemon, the breaker, memory, predictions, delivery. */
const STANDALONE: ReadonlySet<EventType> = new Set<EventType>([
  'daemon.started',
  'daemon.stopped',
  'daemon.adopted',
  'daemon.history-lost',
  'daemon.degraded',
  'daemon.recovered',
  'daemon.crashed',
  'daemon.died',
  'daemon.machine-restarted',
  'daemon.paused',
  'daemon.acknowledged',
  'guardian.revived',
  'breaker.tripped',
  'breaker.resumed',
  'memory.warning',
  'memory.limit',
  'prediction.warning',
  'notify.test',
  'notify.undelivered',
  'notify.spool-rewritten',
  'notify.suppressed',
  'notify.commands-failing',
  'notify.commands-recovered',
  'cluster.failover',
  'cluster.fenced',
  'maintenance.started',
  'maintenance.ended',
  'maintenance.reminder',
]);

const MAX_STEPS = 40;
const MAX_PREFACE = 8;
const PREFACE_WINDOW_MS = 5 * 60_000;
const MAX_THREADS = 200;
const KEEP_CLOSED_MS = 24 * 3_600_000;
const STEP_TEXT_MAX = 160;

export function emptyBook(): ThreadBook {
  return { v: 1, threads: {}, preface: {} };
}

/** Accepts what was read from disk when it has the right shape; anything else starts a fresh book. */
export function bookFrom(raw: unknown): ThreadBook {
  if (!raw || typeof raw !== 'object') return emptyBook();
  const o = raw as Partial<ThreadBook>;
  if (o.v !== 1 || !o.threads || typeof o.threads !== 'object') return emptyBook();
  return { v: 1, threads: o.threads, preface: o.preface && typeof o.preface === 'object' ? o.preface : {}, ...(typeof o.dest === 'string' ? { dest: o.dest } : {}) };
}

/**
 * The book as one destination may use it: message ids posted elsewhere (a name that shifted, a changed URL or chat, a
 * chat that moved) name other messages there, so they are dropped (the next step posts a new live message); the
 * timelines stay. `trusted`: a book without a destination (an older version's) is taken as this one's.
 */
export function bookForDestination(book: ThreadBook, dest: string, trusted: boolean): ThreadBook {
  if (book.dest === dest) return book;
  const out = structuredClone(book);
  out.dest = dest;
  if (book.dest === undefined && trusted) return out;
  for (const t of Object.values(out.threads)) delete t.messageId;
  return out;
}

/** A later event that will land in the same live message (its incident, or its service while the incident is open). */
export function belongsTo(e: ClawbackEvent, t: IncidentThread): boolean {
  if (e.incidentId !== undefined) return e.incidentId === t.incidentId && t.closedAt === undefined;
  return e.service === t.service && t.closedAt === undefined && e.type !== 'incident.escalated';
}

function stepOf(e: ClawbackEvent): ThreadStep {
  const msg = e.message.replace(/\s+/g, ' ').trim();
  const cut = msg.length > STEP_TEXT_MAX ? `${Array.from(msg).slice(0, STEP_TEXT_MAX).join('')}…` : msg;
  return { time: e.time, type: e.type, text: `${headline(e.type, e.details)}: ${cut}` };
}

function addStep(t: IncidentThread, step: ThreadStep): void {
  t.steps.push(step);
  if (t.steps.length > MAX_STEPS) t.steps.splice(1, t.steps.length - MAX_STEPS);
}

function openThreadOf(book: ThreadBook, service: string | undefined): IncidentThread | undefined {
  if (!service) return undefined;
  return Object.values(book.threads).find((t) => t.service === service && t.closedAt === undefined);
}

function prune(book: ThreadBook, now: number): void {
  for (const [id, t] of Object.entries(book.threads)) {
    if (t.closedAt !== undefined && now - t.closedAt > KEEP_CLOSED_MS) delete book.threads[id];
  }
  const ids = Object.keys(book.threads);
  if (ids.length > MAX_THREADS) {
    const oldest = ids.sort((a, b) => book.threads[a]!.openedAt - book.threads[b]!.openedAt).slice(0, ids.length - MAX_THREADS);
    for (const id of oldest) delete book.threads[id];
  }
}

/**
 * Decides what one channel sends for one event. Editable channels (Discord, Telegram): a new message when an
 * incident opens, an edit for every later step, a new message on escalation to a human (and on reminders).
 * Channels that cannot edit: a message at open, at close and per escalation; the steps in between only
 * extend the timeline shown in the next message.
 */
export function planEvent(prev: ThreadBook, event: ClawbackEvent, opts: { canEdit: boolean; kind: 'event' | 'reminder' }): ThreadDecision {
  const book = structuredClone(prev);
  prune(book, event.time);
  if (opts.kind === 'reminder') {
    const t = event.incidentId ? book.threads[event.incidentId] : undefined;
    return { plan: { send: 'new' }, book, ...(t ? { thread: t } : {}) };
  }
  const t = (event.incidentId ? book.threads[event.incidentId] : undefined) ?? (event.incidentId ? undefined : openThreadOf(book, event.service));
  if (!t) {
    if (!event.incidentId) {
      // In maintenance no incident opens: a warning (a crash, a failed probe) is sent on its own, or nobody hears of it.
      if (isNewsOnItsOwn(event) || event.severity === 'critical' || (event.details?.['maintenance'] === true && event.severity === 'warning')) return { plan: { send: 'new' }, book };
      // Lifecycle noise outside an incident: remembered briefly, it starts the timeline of an incident that opens next.
      if (event.service) {
        const list = (book.preface[event.service] ?? []).filter((s) => event.time - s.time <= PREFACE_WINDOW_MS);
        list.push(stepOf(event));
        book.preface[event.service] = list.slice(-MAX_PREFACE);
      }
      return { plan: { send: 'none' }, book };
    }
    // The first event of an incident opens its thread (incident.opened, or any event after a lost book).
    const service = event.service ?? 'clawback';
    const preface = (book.preface[service] ?? []).filter((s) => event.time - s.time <= PREFACE_WINDOW_MS);
    delete book.preface[service];
    const thread: IncidentThread = { incidentId: event.incidentId, service, openedAt: preface[0]?.time ?? event.time, steps: preface };
    addStep(thread, stepOf(event));
    if (event.type === 'incident.resolved') thread.closedAt = event.time;
    book.threads[event.incidentId] = thread;
    // The first recurrence says "it came back: flapping"; the later ones of the series are counted in their own timeline only.
    if (isQuietRecurrence(event)) {
      thread.quiet = true;
      return { plan: { send: 'none' }, thread, book };
    }
    return { plan: { send: 'new' }, thread, book };
  }
  if (t.closedAt !== undefined) {
    // After the close: recorded, not sent (the close message already went out).
    addStep(t, stepOf(event));
    return { plan: { send: 'none' }, thread: t, book };
  }
  addStep(t, stepOf(event));
  if (event.type === 'incident.resolved') t.closedAt = event.time;
  // Someone must be woken: a new message, which becomes the live one. The same escalation again after a cool-down
  // retry wakes nobody new (the person was paged, and reminders follow): a step like the others.
  if (event.type === 'incident.escalated' && !isRepeatEscalation(event)) {
    // A person is paged now: from here on the thread is an ordinary one (its steps and its end are sent).
    delete t.quiet;
    return { plan: { send: 'new' }, thread: t, book };
  }
  if (t.quiet && event.details?.['exhausted'] === true) {
    // It cannot even be started (the daemon is out of processes, descriptors or memory): down until that changes, not
    // the short gap of a recurrence, and nothing escalates it. Quiet, nobody knew it was down: the thread is news again.
    delete t.quiet;
    return { plan: { send: 'new' }, thread: t, book };
  }
  if (t.quiet) return { plan: { send: 'none' }, thread: t, book };
  if (opts.canEdit) return { plan: t.messageId ? { send: 'edit', messageId: t.messageId } : { send: 'new' }, thread: t, book };
  if (event.type === 'incident.resolved') return { plan: { send: 'new' }, thread: t, book };
  return { plan: { send: 'none' }, thread: t, book };
}

/**
 * Config snapshots a person must hear of though no incident follows: a member started on its own config instead of the
 * leader's (or the leader's could not be shared), so the cluster may now run two configs. Said once per cause at the source.
 */
const NEWS_ACTIONS: ReadonlySet<string> = new Set(['cluster-follow-skipped', 'cluster-share-skipped']);

/**
 * Warnings no incident follows, each said once per cause at its source: a config reload refused (a SIGHUP or a file
 * watcher has nobody reading its answer), a rolling restart that stopped half-way, autoscale holding its count, another
 * supervisor enabled for the gateway. Kept only as background for an incident that might open, nobody heard of them.
 */
const WARNINGS_ON_THEIR_OWN: ReadonlySet<EventType> = new Set<EventType>(['config.reload-failed', 'service.rollout-failed', 'service.autoscale-held', 'openclaw.other-supervisor']);

/** Sent on its own in incident mode: a standalone type, one of those warnings, or a snapshot that says the cluster may run two configs. */
export function isNewsOnItsOwn(event: Pick<ClawbackEvent, 'type' | 'details' | 'severity'>): boolean {
  if (STANDALONE.has(event.type)) return true;
  if (event.severity !== 'info' && WARNINGS_ON_THEIR_OWN.has(event.type)) return true;
  return event.type === 'config.snapshot' && NEWS_ACTIONS.has(String(event.details?.['action']));
}

/** The first event of an incident of a flapping series after its first recurrence: the series was announced already. */
export function isQuietRecurrence(event: Pick<ClawbackEvent, 'type' | 'details'>): boolean {
  const n = event.details?.['recurrence'];
  return event.type !== 'incident.escalated' && typeof n === 'number' && n >= 2;
}

/** An escalation that repeats one already sent: the cool-down tried the ladder again, and it failed again. */
export function isRepeatEscalation(event: Pick<ClawbackEvent, 'type' | 'details'>): boolean {
  const n = event.details?.['coolDownRetry'];
  return event.type === 'incident.escalated' && typeof n === 'number' && n > 0;
}

/** Records the id of the message just posted for a thread (the live message from now on). */
export function withMessageId(book: ThreadBook, incidentId: string, messageId: string): ThreadBook {
  const t = book.threads[incidentId];
  if (t) t.messageId = messageId;
  return book;
}

/** The timeline shown in the live message: one line per step, with its time and offset from the start. */
export function timelineLines(t: IncidentThread): string[] {
  const lines = t.steps.map((s) => `${formatUtc(s.time)} (+${formatDuration(Math.max(0, s.time - t.openedAt))}) ${s.text}`);
  if (t.closedAt !== undefined) lines.push(`Closed after ${formatDuration(Math.max(0, t.closedAt - t.openedAt))}.`);
  return lines;
}
