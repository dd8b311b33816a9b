// Pure latency/error forecast: is the health endpoint getting slower or failing more, before thresholds trip?
import type { ProbeResult } from '../probes/probe-types.js';
import { MAX_FIT_POINTS, mannKendallZ, median, rSquared, splitHalves, theilSen, thinEvenly, type PairScratch, type Point } from './robust-stats.js';

export interface LatencySample {
  /** Epoch milliseconds. */
  t: number;
  /** Round-trip time of a successful answer; ignored for failures (a timeout says nothing of the trend). */
  latencyMs?: number;
  ok: boolean;
}

export interface LatencyTrendOptions {
  windowMs: number;
  minSamples: number;
  /** Recent median over early median must exceed 1 + this (0.5 = +50 %). */
  minRelativeIncrease: number;
  /** Recent median minus early median must exceed this, ms. */
  minAbsoluteIncreaseMs: number;
  /** Recent failure share must reach this (0..1). */
  minFailureShare: number;
  /** A latency the trend is projected to (e.g. the probe's timeout); gives etaMs. */
  thresholdMs?: number;
  /** Mann–Kendall Z for the window (default 2.33). */
  minTrendZ?: number;
  /** Mann–Kendall Z for each half on its own (default 1.28). */
  minHalfTrendZ?: number;
  /** Each half's slope as a share of the window's (default 0.2). */
  minHalfSlopeShare?: number;
  /** R² floor of the latency line; lower than memory's because latency jitters (default 0.3). */
  minR2?: number;
  /** Two-proportion z for the last third's failure share vs the first third's (default 1.64, one-sided 5 %). */
  minFailureZ?: number;
}

export type LatencyWarningKind = 'latency-rising' | 'failures-rising';

export interface LatencyTrend {
  warning: boolean;
  kinds: LatencyWarningKind[];
  /** One sentence: the warning(s), or why there is none. */
  message: string;
  samples: number;
  spanMs: number;
  /** Median latency of the window's first third / last third (successful probes), ms. */
  baselineMs: number | null;
  recentMs: number | null;
  /** Theil–Sen slope of latency, ms per second. */
  slopeMsPerSec: number;
  trendZ: number;
  r2: number;
  /** Failure share of the window's first third and of its last third. */
  failureShare: { baseline: number; recent: number };
  /** When latency is rising and thresholdMs is given: time until the line reaches it. */
  etaMs: number | null;
}

const DEFAULTS = { minTrendZ: 2.33, minHalfTrendZ: 1.28, minHalfSlopeShare: 0.2, minR2: 0.3, minFailureZ: 1.64 } as const;

/**
 * Latency rising — ALL of: minSamples successful samples spanning half the window; Theil–Sen slope > 0
 * with Mann–Kendall Z >= 2.33; R² >= 0.3; both halves of the window rising on their own (no one-off
 * step); the last third's median above the first third's by minRelativeIncrease AND minAbsoluteIncreaseMs.
 * Failures rising — ALL of: minSamples samples spanning half the window; last-third failure share >=
 * minFailureShare with at least 3 failures; that share above the first third's by a two-proportion
 * z >= 1.64; and a Mann–Kendall Z >= 2.33 over the whole pass/fail sequence, so the share must grow across
 * the window (a single recent burst is left to the probe's own failure threshold). With 5 s probes over
 * 10 min, a steady 20 % flakiness passes all of this in about 1 % of independent windows.
 */
export function analyzeLatencyTrend(samples: readonly LatencySample[], now: number, options: LatencyTrendOptions, scratch?: PairScratch): LatencyTrend {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<LatencyTrendOptions>;
  const all = samples.filter((s) => s.t >= now - o.windowMs && s.t <= now).sort((a, b) => a.t - b.t);
  const n = all.length;
  const spanMs = n > 0 ? all[n - 1]!.t - all[0]!.t : 0;
  const result: LatencyTrend = {
    warning: false,
    kinds: [],
    message: '',
    samples: n,
    spanMs,
    baselineMs: null,
    recentMs: null,
    slopeMsPerSec: 0,
    trendZ: 0,
    r2: 0,
    failureShare: { baseline: 0, recent: 0 },
    etaMs: null,
  };
  if (n < o.minSamples || spanMs < o.windowMs / 2) {
    return { ...result, message: `not enough probe results yet (${n} over ${Math.round(spanMs / 1000)} s)` };
  }
  const t0 = all[0]!.t;
  const third = spanMs / 3;
  const notes: string[] = [];

  // Latency of successful probes.
  const points: Point[] = thinEvenly(all, MAX_FIT_POINTS)
    .filter((s) => s.ok && s.latencyMs !== undefined && Number.isFinite(s.latencyMs))
    .map((s) => ({ x: (s.t - t0) / 1000, y: s.latencyMs! }));
  if (points.length >= o.minSamples) {
    const line = theilSen(points, scratch);
    const early = points.filter((p) => p.x * 1000 <= third).map((p) => p.y);
    const late = points.filter((p) => p.x * 1000 >= 2 * third).map((p) => p.y);
    result.slopeMsPerSec = line.slope;
    result.trendZ = mannKendallZ(points.map((p) => p.y));
    result.r2 = rSquared(points, line);
    result.baselineMs = early.length > 0 ? median(early) : null;
    result.recentMs = late.length > 0 ? median(late) : null;
    const verdict = latencyGate(points, line.slope, result, o, scratch);
    if (verdict === true) {
      result.kinds.push('latency-rising');
      const xNow = (now - t0) / 1000;
      const levelNow = line.slope * xNow + line.intercept;
      if (o.thresholdMs !== undefined) result.etaMs = levelNow >= o.thresholdMs ? 0 : Math.round(((o.thresholdMs - levelNow) / line.slope) * 1000);
      const rel = Math.round((result.recentMs! / result.baselineMs! - 1) * 100);
      notes.push(
        `latency rising: median ${Math.round(result.baselineMs!)} ms -> ${Math.round(result.recentMs!)} ms (+${rel} %)` +
          (result.etaMs !== null ? `, reaching ${o.thresholdMs} ms in about ${Math.max(1, Math.round(result.etaMs / 60_000))} min` : ''),
      );
    } else {
      notes.push(`latency: ${verdict}`);
    }
  } else {
    notes.push(`latency: only ${points.length} successful probes`);
  }

  // Failure share.
  const recentAll = all.filter((s) => s.t - t0 >= 2 * third);
  const earlierAll = all.filter((s) => s.t - t0 <= third);
  const recentFail = recentAll.filter((s) => !s.ok).length;
  const earlierFail = earlierAll.filter((s) => !s.ok).length;
  const p2 = recentAll.length > 0 ? recentFail / recentAll.length : 0;
  const p1 = earlierAll.length > 0 ? earlierFail / earlierAll.length : 0;
  result.failureShare = { baseline: p1, recent: p2 };
  const pooled = (recentFail + earlierFail) / Math.max(1, n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / Math.max(1, recentAll.length) + 1 / Math.max(1, earlierAll.length)));
  const z = se > 0 ? (p2 - p1) / se : 0;
  const failZ = mannKendallZ(thinEvenly(all, MAX_FIT_POINTS).map((s) => (s.ok ? 0 : 1)));
  if (p2 >= o.minFailureShare && recentFail >= 3 && z >= o.minFailureZ && failZ >= o.minTrendZ) {
    result.kinds.push('failures-rising');
    notes.unshift(`failures rising: ${Math.round(p1 * 100)} % -> ${Math.round(p2 * 100)} % of probes`);
  } else if (recentFail > 0) {
    notes.push(`failures: ${Math.round(p2 * 100)} % recently, not a significant rise`);
  }

  result.warning = result.kinds.length > 0;
  const shown = result.warning ? notes.filter((m) => m.startsWith('latency rising') || m.startsWith('failures rising')) : notes;
  return { ...result, message: shown.join('; ') };
}

/** true, or the reason the latency series is not a rising trend. */
function latencyGate(points: Point[], slope: number, r: LatencyTrend, o: Required<LatencyTrendOptions>, scratch: PairScratch | undefined): true | string {
  if (slope <= 0) return 'flat or falling';
  if (r.trendZ < o.minTrendZ) return `no significant rise (Mann–Kendall Z ${r.trendZ.toFixed(2)})`;
  if (r.r2 < o.minR2) return `too irregular for a trend (R² ${r.r2.toFixed(2)})`;
  if (r.baselineMs === null || r.recentMs === null) return 'too few samples at one end of the window';
  if (r.recentMs < r.baselineMs * (1 + o.minRelativeIncrease) || r.recentMs - r.baselineMs < o.minAbsoluteIncreaseMs) {
    return `median ${Math.round(r.baselineMs)} ms -> ${Math.round(r.recentMs)} ms is below the warning increase`;
  }
  const halves = splitHalves(points);
  const spread = halves.every((h) => h.length >= 3 && theilSen(h, scratch).slope >= o.minHalfSlopeShare * slope && mannKendallZ(h.map((p) => p.y)) >= o.minHalfTrendZ);
  if (!spread) return 'the rise is not spread over the window (a one-off step)';
  return true;
}

/** A probe result as a latency sample; undefined for `unknown` (the probe could not run: no evidence). */
export function latencySampleFromProbe(t: number, result: ProbeResult): LatencySample | undefined {
  if (result.status === 'unknown') return undefined;
  const ok = result.status === 'success';
  return ok && result.latencyMs !== undefined ? { t, ok, latencyMs: result.latencyMs } : { t, ok };
}
