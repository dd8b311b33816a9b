// Folds the flat event stream into one record per incident, for `clawback incidents`, the dashboard and the digest.
//
// The payloads are typed in `EventPayloads` (src/observe/events.ts). Journal lines are still checked at run
// time here: a journal may come from an older daemon, or be damaged. incident.opened may carry
// details.firstSignalAt (the exit, or the first failed probe result that led to it): TTR is measured from it.
import { payload, RESOLVED_OUTCOMES, type ClawbackEvent, type ResolvedOutcome } from './events.js';
import type { JournalAt } from './journal-read.js';
import { recoveryStart } from './time-to-recover.js';

/**
 * Where an incident's story lies in the journal (IncidentFold.add given each line's place): from its first line to the
 * last it took, and `heldUntil`, where it stopped taking the service's id-less events (another incident opened on the
 * service, or it was resolved); `ownLines` counts the lines with its id. Folding its own lines, and the id-less ones
 * before heldUntil, of that span gives its summary as the whole journal's fold does.
 */
export interface IncidentSpan {
  first: JournalAt;
  last: JournalAt;
  heldUntil?: JournalAt;
  ownLines: number;
}

/** 'failed': its restart policy (never) keeps the crashed service down until a person starts it (systemd's "failed"). */
export type IncidentStatus = 'open' | 'resolved' | 'escalated' | 'failed';
/**
 * 'closed-by-stop' / 'closed-by-reload': closed without a recovery (closedBy). The journal's line says 'human-resolved'
 * for them, and the list, --json, the dashboard and the digest read "human-resolved" for a service a person stopped.
 */
export type IncidentOutcome = 'open' | ResolvedOutcome | 'escalated' | 'failed' | 'closed-by-stop' | 'closed-by-reload';

export interface IncidentSummary {
  id: string;
  service: string;
  openedAt: number;
  closedAt?: number;
  /** 'escalated': handed to a human and not yet resolved. */
  status: IncidentStatus;
  /** Highest ladder level reached (4 = human). */
  highestLevel: number;
  outcome: IncidentOutcome;
  /** Reached a human at some point (also true for a human-resolved incident). */
  escalated: boolean;
  /**
   * Time to recover, from the first failure signal (see time-to-recover.ts): closedAt - incident.opened's
   * details.firstSignalAt when recorded, else incident.resolved's details.ttrMs, else closedAt - openedAt.
   */
  ttrMs?: number;
  /** The daemon was paused when the service failed (incident.resolved's details.ttrMaxMs): down at most this long. */
  ttrMaxMs?: number;
  /**
   * Closed without a recovery (incident.resolved's details.closedBy): a person stopped the service before it recovered,
   * or a config reload removed or replaced it. No ttrMs then: the list showed "recovered in 1m09s" for a service that
   * never recovered, and the digest's mean time to recover counted it.
   */
  closedBy?: 'reload' | 'stop';
  /** When the failure began: details.firstSignalAt of incident.opened, set only when earlier than openedAt. */
  firstSignalAt?: number;
  reason: string;
  /** A flapping series (restart.flapping): this incident is its Nth recurrence, and the incident that began it. */
  recurrence?: number;
  firstIncidentId?: string;
  /** details.action of each incident.action event, in order. */
  actions: string[];
  /** Every event carrying this incident's id, plus the service's id-less events and the daemon's life events while it was open. */
  timeline: ClawbackEvent[];
  /** Set by cutTimeline (the /api/incidents list): the older events left out of `timeline`; the whole one is per incident. */
  timelineOmitted?: number;
  /** Set by cutTimeline: the older actions left out of `actions` (one per restart: 1500 of them were 15 KB of the list). */
  actionsOmitted?: number;
}

/** The events (and actions) an incident in the /api/incidents list carries by default: its newest (the whole one is asked by id). */
export const LIST_TIMELINE_EVENTS = 50;

/**
 * Pure: the summary with only its newest `keep` timeline events and actions (journal order kept) and how many were left
 * out; the summary itself when both are that short. The list answered whole timelines: 694 KB for 2 open incidents.
 */
export function cutTimeline(inc: IncidentSummary, keep: number): IncidentSummary {
  if (inc.timeline.length <= keep && inc.actions.length <= keep) return inc;
  const cut = { ...inc };
  // Added to what a fold that kept only the newest events (IncidentFold's keep) left out already.
  if (inc.timeline.length > keep) Object.assign(cut, { timeline: inc.timeline.slice(inc.timeline.length - keep), timelineOmitted: (inc.timelineOmitted ?? 0) + inc.timeline.length - keep });
  if (inc.actions.length > keep) Object.assign(cut, { actions: inc.actions.slice(inc.actions.length - keep), actionsOmitted: (inc.actionsOmitted ?? 0) + inc.actions.length - keep });
  return cut;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * The daemon's own life events (no service): they explain a gap in an open incident's timeline (the daemon died, the
 * guardian revived it), and `clawback incident ID` left them out.
 */
const DAEMON_LIFE: ReadonlySet<string> = new Set(['daemon.started', 'daemon.stopped', 'daemon.crashed', 'daemon.died', 'daemon.machine-restarted', 'daemon.acknowledged', 'daemon.adopted', 'daemon.history-lost', 'guardian.revived']);

export interface SummarizeOptions {
  /**
   * The events are in the order the journal wrote them (readJournal's answer): taken as they come. Sorted by time
   * instead, a wall clock stepped back mid-incident (NTP at boot, a VM resumed) put its resolution before its opening
   * and dropped the restart and the healthy verdict from its timeline.
   */
  inJournalOrder?: boolean;
}

/** Events by time (stable: equal times keep their order), or as given when they are in the journal's order already. */
export function inTimeOrder(events: readonly ClawbackEvent[], inJournalOrder: boolean): readonly ClawbackEvent[] {
  if (inJournalOrder) return events;
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.time - b.e.time || a.i - b.i)
    .map((x) => x.e);
}

/** Pure: events in any order in (sorted by time), or as the journal wrote them; incidents sorted by openedAt out. */
export function summarizeIncidents(events: readonly ClawbackEvent[], opts: SummarizeOptions = {}): IncidentSummary[] {
  const fold = new IncidentFold();
  for (const e of inTimeOrder(events, opts.inJournalOrder === true)) fold.add(e);
  return fold.summaries();
}

export interface IncidentFoldOptions {
  /**
   * Timeline events and actions kept per incident: its newest, the older ones counted in timelineOmitted /
   * actionsOmitted (as cutTimeline says them). Default: all. /api/incidents kept every timeline whole while it read and
   * cut them after: 4.5 s and +294 MB RSS for a 349 MiB journal to answer 50 events each.
   */
  keep?: number;
  /** The one incident whose timeline is kept whole whatever `keep` says (/api/incidents/ID). */
  whole?: string;
}

/**
 * summarizeIncidents one event at a time, in the journal's order: a reader streams the journal into it and holds the
 * incidents, not every event (`clawback incidents` held a 16 MiB journal's 190 000 events, ~50 MB, to list none).
 */
export class IncidentFold {
  private readonly byId = new Map<string, IncidentSummary>();
  /** service -> incident currently open on it (for id-less events). */
  private readonly openByService = new Map<string, IncidentSummary>();
  private readonly keep: number;
  private readonly whole: string | undefined;
  private readonly spanById = new Map<string, IncidentSpan>();
  /** The place of the line being added (add's `at`). */
  private at: JournalAt | undefined;

  constructor(opts: IncidentFoldOptions = {}) {
    this.keep = Math.max(0, opts.keep ?? Infinity);
    this.whole = opts.whole;
  }

  /** Where each incident's lines lie (recorded when add was given places): see IncidentSpan. */
  spans(): ReadonlyMap<string, IncidentSpan> {
    return this.spanById;
  }

  /** An incident took the line being added. */
  private took(inc: IncidentSummary, own: boolean): void {
    const at = this.at;
    if (!at) return;
    const span = this.spanById.get(inc.id);
    if (!span) this.spanById.set(inc.id, { first: at, last: at, ownLines: own ? 1 : 0 });
    else {
      span.last = at;
      if (own) span.ownLines++;
    }
  }

  /** An incident no longer takes its service's id-less lines, from the line being added on. */
  private letGo(inc: IncidentSummary, after: boolean): void {
    const span = this.spanById.get(inc.id);
    if (this.at && span && span.heldUntil === undefined) span.heldUntil = after ? { ...this.at, offset: this.at.end } : this.at;
  }

  /** The incidents so far, sorted by openedAt. */
  summaries(): IncidentSummary[] {
    for (const inc of this.byId.values()) this.trim(inc, this.keepOf(inc));
    return [...this.byId.values()].sort((a, b) => a.openedAt - b.openedAt);
  }

  private keepOf(inc: IncidentSummary): number {
    return inc.id === this.whole ? Infinity : this.keep;
  }

  /** Drops the oldest events and actions beyond `keep`, counted. */
  private trim(inc: IncidentSummary, keep: number): void {
    if (inc.timeline.length > keep) {
      const n = inc.timeline.length - keep;
      inc.timeline.splice(0, n);
      inc.timelineOmitted = (inc.timelineOmitted ?? 0) + n;
    }
    if (inc.actions.length > keep) {
      const n = inc.actions.length - keep;
      inc.actions.splice(0, n);
      inc.actionsOmitted = (inc.actionsOmitted ?? 0) + n;
    }
  }

  /** Appended; the oldest dropped (counted) once the list holds twice what is kept: a ring's cost, amortized. */
  private push<K extends 'timeline' | 'actions'>(inc: IncidentSummary, list: K, item: IncidentSummary[K][number]): void {
    const keep = this.keepOf(inc);
    (inc[list] as unknown[]).push(item);
    if (inc[list].length > Math.max(2 * keep, 64)) this.trim(inc, keep);
  }

  /** `at`: where the event's line lies in the journal, recorded in spans(). */
  add(e: ClawbackEvent, at?: JournalAt): void {
    this.at = at;
    if (!e.incidentId) {
      if (e.service === undefined && DAEMON_LIFE.has(e.type)) {
        for (const open of new Set(this.openByService.values())) {
          this.push(open, 'timeline', e);
          this.took(open, false);
        }
        return;
      }
      const inc = e.service !== undefined ? this.openByService.get(e.service) : undefined;
      if (inc) {
        this.push(inc, 'timeline', e);
        this.took(inc, false);
      }
      return;
    }
    let inc = this.byId.get(e.incidentId);
    if (!inc) {
      // An incident whose opening lies before the journal window still gets a record.
      inc = {
        id: e.incidentId,
        service: e.service ?? 'unknown',
        openedAt: e.time,
        status: 'open',
        highestLevel: num(e.level) ?? 0,
        outcome: 'open',
        escalated: false,
        reason: 'unknown',
        actions: [],
        timeline: [],
      };
      this.byId.set(e.incidentId, inc);
      if (e.service !== undefined) {
        const before = this.openByService.get(e.service);
        if (before) this.letGo(before, false);
        this.openByService.set(e.service, inc);
      }
    }
    this.push(inc, 'timeline', e);
    this.took(inc, true);
    // A damaged line's level ("4", "x") made the highest level NaN: shown as NaN, and null in --json.
    const level = num(e.level);
    if (level !== undefined) inc.highestLevel = Math.max(inc.highestLevel, level);
    switch (e.type) {
      case 'incident.opened': {
        const d = payload(e, 'incident.opened');
        inc.openedAt = e.time;
        if (recoveryStart(e) < e.time) inc.firstSignalAt = recoveryStart(e);
        inc.reason = typeof d.reason === 'string' && d.reason ? d.reason : e.message || 'unknown';
        const recurrence = num(d.recurrence);
        if (recurrence !== undefined && recurrence > 0) {
          inc.recurrence = recurrence;
          if (typeof d.firstIncidentId === 'string') inc.firstIncidentId = d.firstIncidentId;
        }
        break;
      }
      case 'incident.action': {
        const d = payload(e, 'incident.action');
        if (typeof d.action === 'string') this.push(inc, 'actions', d.action);
        break;
      }
      case 'incident.escalated': {
        const d = payload(e, 'incident.escalated');
        inc.highestLevel = 4;
        inc.escalated = true;
        if (inc.status !== 'resolved') {
          inc.status = 'escalated';
          inc.outcome = 'escalated';
        }
        if (inc.reason === 'unknown' && typeof d.reason === 'string') inc.reason = d.reason;
        break;
      }
      case 'service.started': {
        // A person started the failed service: the incident is open again until it recovers (or fails again).
        if (inc.status === 'failed') {
          inc.status = 'open';
          inc.outcome = 'open';
        }
        break;
      }
      case 'service.stopped': {
        // A `never` service's crash kept down: the incident's story ends here until a person starts it again.
        if (payload(e, 'service.stopped').keptDown !== undefined && inc.status === 'open') {
          inc.status = 'failed';
          inc.outcome = 'failed';
        }
        break;
      }
      case 'incident.resolved': {
        const d = payload(e, 'incident.resolved');
        inc.status = 'resolved';
        inc.closedAt = e.time;
        const highest = num(d.highestLevel);
        if (highest !== undefined) inc.highestLevel = Math.max(inc.highestLevel, highest);
        const said = RESOLVED_OUTCOMES.find((o) => o === d.outcome);
        inc.outcome =
          said !== undefined
            ? said
            : inc.escalated
              ? 'human-resolved'
              : 'auto-resolved';
        const closedBy = d.closedBy === 'reload' || d.closedBy === 'stop' ? d.closedBy : undefined;
        if (closedBy) {
          inc.closedBy = closedBy;
          inc.outcome = closedBy === 'stop' ? 'closed-by-stop' : 'closed-by-reload';
          delete inc.ttrMs;
          delete inc.ttrMaxMs;
        } else {
          delete inc.closedBy;
          // The daemon's own figure first: it measures to the healthy verdict that held, not to the confirmation.
          inc.ttrMs = num(d.ttrMs) ?? (inc.firstSignalAt !== undefined ? e.time - inc.firstSignalAt : e.time - inc.openedAt);
          const most = num(d.ttrMaxMs);
          if (most !== undefined && most > inc.ttrMs) inc.ttrMaxMs = most;
          else delete inc.ttrMaxMs;
        }
        if (this.openByService.get(inc.service) === inc) {
          this.openByService.delete(inc.service);
          this.letGo(inc, true);
        }
        break;
      }
      default:
        break;
    }
  }
}
