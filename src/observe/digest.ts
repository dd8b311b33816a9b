// The periodic "how did the week go" report, computed from the journal alone so it can never drift from the facts.
import { formatTtr } from './time-to-recover.js';
import type { ClawbackEvent } from './events.js';
import { IncidentFold, inTimeOrder, type IncidentSummary } from './incidents.js';

export interface DigestOptions {
  /** Length of the period ending at `now`. */
  days: number;
  /** End of the period, epoch ms (inject the clock's now). */
  now: number;
  /** How many top reasons to list; default 5. */
  topReasons?: number;
  /** The events are in the journal's write order (see summarizeIncidents). */
  inJournalOrder?: boolean;
}

export interface DigestStats {
  periodStart: number;
  periodEnd: number;
  /** Incidents opened in [periodStart, periodEnd). */
  incidents: number;
  autoResolved: number;
  humanResolved: number;
  /** Escalated, then recovered on a cool-down retry of the ladder with no person acting (restart.coolDown). */
  coolDownRecovered: number;
  /** Closed without recovering: a person stopped the service, or a reload removed or replaced it (not "resolved by a human"). */
  closedWithoutRecovery: number;
  /** autoResolved / incidents, 0..1; undefined when there were no incidents. */
  autoResolvedShare?: number;
  /** Incidents of the period that reached a human (escalated), resolved since or not. */
  escalations: number;
  stillOpen: number;
  /** Of stillOpen: failed, kept down by restart: never until a person starts them (`clawback incidents` says "failed"). */
  stillFailed: number;
  /** Over the period's resolved incidents (auto and human). */
  meanTtrMs?: number;
  /** Nearest-rank 95th percentile: the ceil(0.95 n)-th smallest TTR. */
  p95TtrMs?: number;
  breakerTrips: number;
  /** service.restarting events in the period, most first (ties by name). */
  restartsByService: Array<{ service: string; restarts: number }>;
  /** Reasons of the period's incidents, most first (ties by name). */
  topReasons: Array<{ reason: string; incidents: number }>;
  incidentList: IncidentSummary[];
}

const DAY_MS = 86_400_000;

/** Nearest-rank percentile of a non-empty list. */
export function percentileNearestRank(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

function rankCounts(counts: Map<string, number>): Array<[string, number]> {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * The digest's figures folded one event at a time, in the journal's order: `clawback digest` streams the journal's
 * window into it and holds the incidents and the counts, not every event (it held all four files' 200 000 events).
 */
export class DigestFold {
  private readonly incidents = new IncidentFold();
  private readonly restarts = new Map<string, number>();
  private breakerTrips = 0;
  private readonly periodStart: number;

  constructor(private readonly opts: DigestOptions) {
    this.periodStart = opts.now - opts.days * DAY_MS;
  }

  private inPeriod(t: number): boolean {
    return t >= this.periodStart && t < this.opts.now;
  }

  add(e: ClawbackEvent): void {
    this.incidents.add(e);
    if (!this.inPeriod(e.time)) return;
    if (e.type === 'service.restarting') {
      const s = e.service ?? 'unknown';
      this.restarts.set(s, (this.restarts.get(s) ?? 0) + 1);
    } else if (e.type === 'breaker.tripped') {
      this.breakerTrips++;
    }
  }

  stats(): DigestStats {
    const { periodStart, opts } = this;
    const list = this.incidents.summaries().filter((i) => this.inPeriod(i.openedAt));
    const resolved = list.filter((i) => i.status === 'resolved');
    const autoResolved = resolved.filter((i) => i.outcome === 'auto-resolved').length;
    const coolDownRecovered = resolved.filter((i) => i.outcome === 'cool-down-recovered').length;
    const closedWithoutRecovery = resolved.filter((i) => i.closedBy !== undefined).length;
    const ttrs = resolved.map((i) => i.ttrMs).filter((v): v is number => v !== undefined);
    const reasons = new Map<string, number>();
    for (const i of list) reasons.set(i.reason, (reasons.get(i.reason) ?? 0) + 1);

    return {
      periodStart,
      periodEnd: opts.now,
      incidents: list.length,
      autoResolved,
      humanResolved: resolved.length - autoResolved - coolDownRecovered - closedWithoutRecovery,
      coolDownRecovered,
      closedWithoutRecovery,
      autoResolvedShare: list.length > 0 ? autoResolved / list.length : undefined,
      escalations: list.filter((i) => i.escalated).length,
      stillOpen: list.filter((i) => i.status !== 'resolved').length,
      stillFailed: list.filter((i) => i.status === 'failed').length,
      meanTtrMs: ttrs.length > 0 ? ttrs.reduce((a, b) => a + b, 0) / ttrs.length : undefined,
      p95TtrMs: ttrs.length > 0 ? percentileNearestRank(ttrs, 95) : undefined,
      breakerTrips: this.breakerTrips,
      restartsByService: rankCounts(this.restarts).map(([service, n]) => ({ service, restarts: n })),
      topReasons: rankCounts(reasons)
        .slice(0, opts.topReasons ?? 5)
        .map(([reason, n]) => ({ reason, incidents: n })),
      incidentList: list,
    };
  }
}

/** Pure: the digest's figures. */
export function computeDigest(events: readonly ClawbackEvent[], opts: DigestOptions): DigestStats {
  const fold = new DigestFold(opts);
  for (const e of inTimeOrder(events, opts.inJournalOrder === true)) fold.add(e);
  return fold.stats();
}

/** The default time label: UTC, said so (the CLI passes the reader's local time with its offset, as `incidents` prints). */
function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Pure: the digest as Markdown. */
export function renderDigest(events: readonly ClawbackEvent[], opts: DigestOptions): string {
  return renderDigestStats(computeDigest(events, opts), opts);
}

/** Pure: figures already computed (DigestFold's) as Markdown; stamp labels the period's ends (default UTC). */
export function renderDigestStats(s: DigestStats, opts: { days: number; stamp?: (ms: number) => string }): string {
  const stamp = opts.stamp ?? isoMinute;
  const ttr = (v: number | undefined): string => (v === undefined ? 'n/a' : formatTtr(v));
  const lines: string[] = [
    `# Clawback digest: last ${opts.days} day${opts.days === 1 ? '' : 's'}`,
    '',
    `Period: ${stamp(s.periodStart)} to ${stamp(s.periodEnd)}`,
    '',
    '| Figure | Value |',
    '|---|---|',
    `| Incidents | ${s.incidents} |`,
    `| Auto-resolved | ${s.autoResolved}${s.autoResolvedShare === undefined ? '' : ` (${percent(s.autoResolvedShare)})`} |`,
    `| Resolved by a human | ${s.humanResolved} |`,
    `| Recovered after the cool-down, nobody acted | ${s.coolDownRecovered} |`,
    ...(s.closedWithoutRecovery > 0 ? [`| Closed without recovering (stopped by a person, or removed by a reload) | ${s.closedWithoutRecovery} |`] : []),
    `| Escalations to a human | ${s.escalations} |`,
    `| Still open | ${s.stillOpen}${s.stillFailed > 0 ? ` (${s.stillFailed} failed, kept down until a person starts ${s.stillFailed === 1 ? 'it' : 'them'})` : ''} |`,
    `| Mean time to recover | ${ttr(s.meanTtrMs)} |`,
    `| p95 time to recover | ${ttr(s.p95TtrMs)} |`,
    `| Breaker trips | ${s.breakerTrips} |`,
    '',
    '## Restarts by service',
    '',
  ];
  if (s.restartsByService.length === 0) lines.push('No restarts.');
  else {
    lines.push('| Service | Restarts |', '|---|---|');
    for (const r of s.restartsByService) lines.push(`| ${cell(r.service)} | ${r.restarts} |`);
  }
  lines.push('', '## Top reasons', '');
  if (s.topReasons.length === 0) lines.push('No incidents.');
  else s.topReasons.forEach((r, i) => lines.push(`${i + 1}. ${r.reason.replace(/\r?\n/g, ' ')}: ${r.incidents}`));
  lines.push('');
  return lines.join('\n');
}
