// What a drill measured: one row per trial, one summary per scenario (recovery rate, median and p95 time to recover).
import type { ScenarioName } from './scenario-catalog.js';

export interface TrialResult {
  scenario: ScenarioName;
  /** 1-based. */
  trial: number;
  /** Not applicable to this service (e.g. no memory probe): counted neither as passed nor as failed. */
  skipped: string | null;
  /** The outcome was the expected one (recovered, or tripped/escalated where that is the right answer). */
  asExpected: boolean;
  recovered: boolean;
  /** Fault injected -> first journal event about it, ms. */
  detectMs: number | null;
  /** Fault (or release of a deliberate hold) -> the service serving again, ms. */
  recoverMs: number | null;
  /** What recoverMs is measured from: the fault, a deliberate hold released (a human's part), or the return of what the fault took away (a dependency; no human). */
  recoverFrom: 'fault' | 'release' | 'return';
  /** Highest ladder level the trial's incidents reached (0 keep-alive ... 4 human). */
  level: number | null;
  /** Notifier-relevant events journaled during the trial. */
  alerts: number;
  /** Delivered notifications during the trial (clawback_notifications_total delta), when channels are configured. */
  notificationsDelivered: number | null;
  /** One line: what happened. */
  outcome: string;
  notes: string[];
  /** Epoch ms of the fault injection. */
  faultAt: number;
  /** Ctrl-C/SIGTERM/SIGHUP or a person's stop cut the trial: no verdict (the run says INTERRUPTED, so does the trial). */
  interrupted: boolean;
}

export interface ScenarioSummary {
  scenario: ScenarioName;
  trials: number;
  skipped: number;
  recovered: number;
  asExpected: number;
  /** recovered / (trials - skipped), 0..1, or null when every trial was skipped. */
  recoveryRate: number | null;
  medianRecoverMs: number | null;
  p95RecoverMs: number | null;
  /**
   * The one instant the median and p95 are measured from (the most of the recovered trials'; a tie goes to the fault):
   * a time from the fault and one from a human's release are not one quantity. null when none recovered.
   */
  recoverFrom: TrialResult['recoverFrom'] | null;
  /** Recovered trials measured from another instant, left out of the median and p95 (named in the report). */
  recoverOtherFrom: number;
  medianDetectMs: number | null;
  maxLevel: number | null;
}

export interface DrillReport {
  startedAt: number;
  finishedAt: number;
  command: string;
  clawbackVersion: string;
  host: { platform: string; arch: string; node: string; cpus: number };
  stateDir: string;
  configFile: string | null;
  service: string;
  trialsPerScenario: number;
  summaries: ScenarioSummary[];
  trials: TrialResult[];
  /** Things the user should know afterwards (kept state directories, restored files). */
  notes: string[];
  /** Why the drill ended before its last trial (a signal), or null. An interrupted drill never passes. */
  stoppedEarly: string | null;
  passed: boolean;
}

/** Median of the values (mean of the two middle ones for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100); null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length, Math.max(1, rank)) - 1]!;
}

export function summarize(scenario: ScenarioName, trials: readonly TrialResult[]): ScenarioSummary {
  const mine = trials.filter((t) => t.scenario === scenario);
  const ran = mine.filter((t) => t.skipped === null);
  const timed = ran.filter((t) => t.recovered && t.recoverMs !== null);
  const counts = (from: TrialResult['recoverFrom']): number => timed.filter((t) => t.recoverFrom === from).length;
  const recoverFrom = timed.length === 0 ? null : (['fault', 'release', 'return'] as const).reduce((best, f) => (counts(f) > counts(best) ? f : best));
  const ttr = timed.filter((t) => t.recoverFrom === recoverFrom).map((t) => t.recoverMs!);
  const detect = ran.filter((t) => t.detectMs !== null).map((t) => t.detectMs!);
  const levels = ran.filter((t) => t.level !== null).map((t) => t.level!);
  return {
    scenario,
    trials: mine.length,
    skipped: mine.length - ran.length,
    recovered: ran.filter((t) => t.recovered).length,
    asExpected: ran.filter((t) => t.asExpected).length,
    recoveryRate: ran.length === 0 ? null : ran.filter((t) => t.recovered).length / ran.length,
    medianRecoverMs: median(ttr),
    p95RecoverMs: percentile(ttr, 95),
    recoverFrom,
    recoverOtherFrom: timed.length - ttr.length,
    medianDetectMs: median(detect),
    maxLevel: levels.length === 0 ? null : Math.max(...levels),
  };
}

/** Every trial was skipped (no chosen scenario applies): the run tested nothing, so it cannot pass (exit 2). */
export function nothingDrilled(trials: readonly TrialResult[]): boolean {
  return trials.length > 0 && trials.every((t) => t.skipped !== null);
}

/** A drill passes when every trial that ran behaved as expected. */
export function drillPassed(trials: readonly TrialResult[]): boolean {
  return trials.every((t) => t.skipped !== null || t.asExpected);
}
