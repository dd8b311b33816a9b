// What a chaos run measured and the arithmetic over it: per-fault records, MTTR by kind, human-needed share, false restarts, alerts per incident.
import type { ClawbackEvent } from '../observe/events.js';
import type { ChannelFilter } from '../notify/filter.js';
import type { Outage } from './availability.js';
import { isAlert } from './journal-measure.js';
import { median, percentile } from './drill-result.js';
import type { ScenarioName } from './scenario-catalog.js';

export interface ChaosFault {
  /** 1-based, in schedule order. */
  n: number;
  kind: ScenarioName;
  /** When the seed said it should strike (epoch ms). */
  scheduledAt: number;
  /** When it did (later when the previous fault was still in flight or the service not yet steady). */
  injectedAt: number;
  /** The service steady again (or the wait gave up): the end of the fault's window. */
  endedAt: number;
  /** The drill saw the service serving again from a new instance (or, daemon-kill, the daemon back). */
  recovered: boolean;
  /** Recovery needed the drill to act as the human (release a hold + resume), reached level 4, or never came. */
  neededHuman: boolean;
  asExpected: boolean;
  outcome: string;
  /** Highest ladder level in the journal during the window. */
  level: number | null;
  detectMs: number | null;
  /** The scenario's own measure (from the fault, or from the release of a deliberate hold). */
  drillRecoverMs: number | null;
  recoverFrom: 'fault' | 'release' | 'return';
  /** Outside poll: injection -> first good poll after the last outage that began in the window; 0 = never seen down. */
  ttrMs: number | null;
  /** Outside poll: down time inside the window. */
  downMs: number;
  alerts: number;
  incidentIds: string[];
  notes: string[];
}

export interface Spread {
  median: number | null;
  p95: number | null;
  max: number | null;
}

export interface KindSummary {
  kind: ScenarioName;
  injected: number;
  recoveredAlone: number;
  neededHuman: number;
  /** Over faults with a finished outside TTR. */
  mttr: Spread;
  maxLevel: number | null;
}

export interface DaemonSample {
  at: number;
  pid: number;
  /** CPU % of one core since the previous sample of the same pid; null for the first sample of a pid. */
  cpuPct: number | null;
  rssBytes: number;
}

export interface DaemonUsage {
  samples: DaemonSample[];
  cpuAvgPct: number | null;
  cpuMaxPct: number | null;
  rssAvgBytes: number | null;
  rssMaxBytes: number | null;
  pids: number[];
}

export interface RestartMark {
  at: number;
  message: string;
}

export interface ChaosReport {
  kind: 'chaos';
  startedAt: number;
  finishedAt: number;
  plannedDurationMs: number;
  /** Why the run ended before its duration (Ctrl-C, a broken service), or null. */
  stoppedEarly: string | null;
  command: string;
  seed: number;
  meanIntervalMs: number;
  kinds: ScenarioName[];
  clawbackVersion: string;
  host: { platform: string; arch: string; node: string; cpus: number };
  stateDir: string;
  service: string;
  poll: { target: string; intervalMs: number; polls: number; failed: number; first: number | null; last: number | null };
  outages: Outage[];
  availability: number | null;
  downtimeMs: number;
  /** Down time outside every fault window (nothing injected, yet the user saw it down). */
  unexplainedDowntimeMs: number;
  faults: ChaosFault[];
  byKind: KindSummary[];
  /** Faults recovered without a human / faults injected, 0..1; null with none. */
  recoveredWithoutHuman: number | null;
  restarts: number;
  falseRestarts: RestartMark[];
  incidents: number;
  alerts: number;
  alertsPerIncident: { mean: number | null; max: number | null };
  daemon: DaemonUsage;
  notes: string[];
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), p95: percentile(values, 95), max: values.length ? Math.max(...values) : null };
}

export function neededHuman(r: { recovered: boolean; recoverFrom: 'fault' | 'release' | 'return'; level: number | null }): boolean {
  return !r.recovered || r.recoverFrom === 'release' || (r.level ?? 0) >= 4;
}

export function summarizeKinds(kinds: readonly ScenarioName[], faults: readonly ChaosFault[]): KindSummary[] {
  return kinds
    .map((kind) => {
      const mine = faults.filter((f) => f.kind === kind);
      const levels = mine.map((f) => f.level).filter((l): l is number => l !== null);
      return {
        kind,
        injected: mine.length,
        recoveredAlone: mine.filter((f) => !f.neededHuman).length,
        neededHuman: mine.filter((f) => f.neededHuman).length,
        mttr: spread(mine.filter((f) => f.recovered && f.ttrMs !== null).map((f) => f.ttrMs!)),
        maxLevel: levels.length ? Math.max(...levels) : null,
      };
    })
    .filter((k) => k.injected > 0);
}

export function recoveredWithoutHumanRate(faults: readonly ChaosFault[]): number | null {
  return faults.length ? faults.filter((f) => !f.neededHuman).length / faults.length : null;
}

/** Restarts of the service (`service.restarting`) in the journal. */
export function restartEvents(events: readonly ClawbackEvent[], service: string): ClawbackEvent[] {
  return events.filter((e) => e.service === service && e.type === 'service.restarting');
}

/** Restarts with no fault in flight: outside every [injectedAt, endedAt] window. */
export function falseRestarts(events: readonly ClawbackEvent[], service: string, windows: ReadonlyArray<{ injectedAt: number; endedAt: number }>): RestartMark[] {
  return restartEvents(events, service)
    .filter((e) => !windows.some((w) => e.time >= w.injectedAt && e.time <= w.endedAt))
    .map((e) => ({ at: e.time, message: e.message }));
}

/** Alerts (events a notifier would send) grouped by incident: the mean and the worst incident. */
export function alertsPerIncident(events: readonly ClawbackEvent[], service: string, channels: readonly ChannelFilter[]): { incidents: number; alerts: number; mean: number | null; max: number | null } {
  const mine = events.filter((e) => e.service === service || e.service === undefined);
  const incidents = new Set(mine.filter((e) => e.type === 'incident.opened' && e.incidentId).map((e) => e.incidentId!));
  const per = new Map<string, number>([...incidents].map((id) => [id, 0]));
  let alerts = 0;
  for (const e of mine) {
    if (!isAlert(e, channels)) continue;
    alerts++;
    if (e.incidentId && per.has(e.incidentId)) per.set(e.incidentId, per.get(e.incidentId)! + 1);
  }
  const counts = [...per.values()];
  return {
    incidents: incidents.size,
    alerts,
    mean: counts.length ? counts.reduce((a, b) => a + b, 0) / counts.length : null,
    max: counts.length ? Math.max(...counts) : null,
  };
}

/** CPU and RSS of the daemon over the run, from its samples. */
export function daemonUsageOf(samples: readonly DaemonSample[]): DaemonUsage {
  const cpu = samples.map((s) => s.cpuPct).filter((c): c is number => c !== null);
  const rss = samples.map((s) => s.rssBytes);
  return {
    samples: [...samples],
    cpuAvgPct: cpu.length ? cpu.reduce((a, b) => a + b, 0) / cpu.length : null,
    cpuMaxPct: cpu.length ? Math.max(...cpu) : null,
    rssAvgBytes: rss.length ? rss.reduce((a, b) => a + b, 0) / rss.length : null,
    rssMaxBytes: rss.length ? Math.max(...rss) : null,
    pids: [...new Set(samples.map((s) => s.pid))],
  };
}
