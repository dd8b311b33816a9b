// Pure memory-leak forecast: from RSS samples, is memory really climbing, and when will it reach the limit?
import { MAX_FIT_POINTS, clamp01, mannKendallZ, median, rSquared, splitHalves, theilSen, thinEvenly, type Line, type PairScratch, type Point } from './robust-stats.js';

export interface RssSample {
  /** Epoch milliseconds. */
  t: number;
  /** Resident set size of the service's process tree, bytes. */
  bytes: number;
}

export interface MemoryTrendOptions {
  /** Only samples in [now - windowMs, now] are used. */
  windowMs: number;
  /** Fewer samples than this: no forecast. */
  minSamples: number;
  /** Floor for the share of variance the trend line explains (default 0.6). */
  minR2?: number;
  /** Mann–Kendall Z the whole window must reach (default 2.33, one-sided 1 %). */
  minTrendZ?: number;
  /** Mann–Kendall Z each half of the window must reach on its own (default 1.28, one-sided 10 %). */
  minHalfTrendZ?: number;
  /** Each half's own slope must be at least this share of the window's slope (default 0.2). */
  minHalfSlopeShare?: number;
  /** The fitted rise over the samples' span must be at least this share of the median level (default 0.03). */
  minRelativeGrowth?: number;
  /** The recent half's slope counts as acceleration above this multiple of the window's slope (default 1.3). */
  accelerationRatio?: number;
}

export type MemoryTrendVerdict = 'rising' | 'no-trend' | 'insufficient-data';

export interface MemoryForecast {
  /** 'rising' only when every gate below passed; etaMs and predictedCrossingAt are null otherwise. */
  verdict: MemoryTrendVerdict;
  /** One sentence: what was found, or which gate stopped the forecast. */
  reason: string;
  /** Slope of the line used for the forecast (the recent half's when accelerating or slowing down), bytes per second. */
  slopeBytesPerSec: number;
  /** Time until the fitted line reaches the limit (0 if already there); null when not rising or no limit. */
  etaMs: number | null;
  /** now + etaMs. */
  predictedCrossingAt: number | null;
  /** 0..1 from R², the window's coverage and the sample count; see confidenceOf. */
  confidence: number;
  /** The fitted RSS at now, bytes; null without samples. */
  levelBytes: number | null;
  /** The recent half climbs markedly faster than the whole window. */
  accelerating: boolean;
  samples: number;
  spanMs: number;
  r2: number;
  /** Mann–Kendall Z of the window. */
  trendZ: number;
}

const DEFAULTS = {
  minR2: 0.6,
  minTrendZ: 2.33,
  minHalfTrendZ: 1.28,
  minHalfSlopeShare: 0.2,
  minRelativeGrowth: 0.03,
  accelerationRatio: 1.3,
} as const;

/**
 * Fits a robust trend to the RSS samples of the last window and estimates when it reaches limitBytes.
 *
 * Method: Theil–Sen (median of pairwise slopes). Chosen over least squares because one GC spike or a
 * single page-cache blip moves a least-squares line but barely moves a median; chosen over Holt's
 * smoothing because it has no tuning constants, needs no warm-up and gives a line whose R² we can
 * judge. Significance comes from the Mann–Kendall test, which makes no assumption about the noise.
 *
 * False alarms are the enemy, so a forecast is only 'rising' when ALL of these hold:
 * 1. at least minSamples samples, spanning at least half the window;
 * 2. the Theil–Sen slope is > 0 and the Mann–Kendall Z >= minTrendZ (2.33: one-sided 1 %);
 * 3. R² of the robust line >= minR2 (0.6): a GC sawtooth (climb, collect, climb) explains little
 *    variance with one line and stops here, as does flat noise;
 * 4. the fitted rise over the span is >= minRelativeGrowth (3 %) of the median level: no alarms
 *    over a few hundred KiB of warm-up drift;
 * 5. growth is spread over the window: each half, fitted on its own, rises too (slope >= 20 % of the
 *    window's and Mann–Kendall Z >= 1.28). A one-off step (a cache filled once) is flat on both
 *    sides of the jump, so at least one half is flat and the step is ignored.
 * The ETA under a horizon and the confidence floor are checked by the caller (proactive.ts).
 * When the recent half climbs faster than accelerationRatio × the window's slope, the recent half's
 * line is used for the ETA (an accelerating leak is reported earlier rather than later); so it is when
 * it climbs slower than the window's slope / accelerationRatio (a warm-up levelling off is not
 * forecast at its early, steep rate).
 *
 * Known limit: a sawtooth whose period is longer than about half the window looks like a leak
 * inside the window; choose a window that holds two or more GC cycles.
 */
export function analyzeMemoryTrend(
  samples: readonly RssSample[],
  limitBytes: number | undefined,
  now: number,
  options: MemoryTrendOptions,
  scratch?: PairScratch,
): MemoryForecast {
  const o = { ...DEFAULTS, ...stripUndefined(options), windowMs: options.windowMs, minSamples: options.minSamples };
  const inWindow = samples.filter((s) => s.t >= now - o.windowMs && s.t <= now && Number.isFinite(s.bytes)).sort((a, b) => a.t - b.t);
  const n = inWindow.length;
  const spanMs = n > 0 ? inWindow[n - 1]!.t - inWindow[0]!.t : 0;
  const base: MemoryForecast = {
    verdict: 'insufficient-data',
    reason: '',
    slopeBytesPerSec: 0,
    etaMs: null,
    predictedCrossingAt: null,
    confidence: 0,
    levelBytes: n > 0 ? inWindow[n - 1]!.bytes : null,
    accelerating: false,
    samples: n,
    spanMs,
    r2: 0,
    trendZ: 0,
  };
  if (n < Math.max(3, o.minSamples)) {
    return { ...base, reason: `only ${n} samples in the window, need ${o.minSamples}` };
  }
  if (spanMs < o.windowMs / 2) {
    return { ...base, reason: `samples span ${Math.round(spanMs / 1000)} s, need half the window (${Math.round(o.windowMs / 2000)} s)` };
  }

  const t0 = inWindow[0]!.t;
  const points: Point[] = thinEvenly(inWindow, MAX_FIT_POINTS).map((s) => ({ x: (s.t - t0) / 1000, y: s.bytes }));
  const xNow = (now - t0) / 1000;
  const line = theilSen(points, scratch);
  const r2 = rSquared(points, line);
  const trendZ = mannKendallZ(points.map((p) => p.y));
  const confidence = confidenceOf(r2, spanMs, n, o.windowMs, o.minSamples);
  const fitted = { ...base, verdict: 'no-trend' as const, slopeBytesPerSec: line.slope, levelBytes: at(line, xNow), r2, trendZ, confidence };

  if (line.slope <= 0) return { ...fitted, reason: 'memory is flat or falling' };
  if (trendZ < o.minTrendZ) return { ...fitted, reason: `the rise is not significant (Mann–Kendall Z ${trendZ.toFixed(2)} < ${o.minTrendZ})` };
  if (r2 < o.minR2) return { ...fitted, reason: `memory moves too irregularly for a trend (R² ${r2.toFixed(2)} < ${o.minR2}), e.g. a GC sawtooth` };
  const growth = line.slope * (spanMs / 1000);
  const level = median(points.map((p) => p.y));
  if (growth < o.minRelativeGrowth * level) {
    return { ...fitted, reason: `the rise over the window (${pct(growth / level)}) is below ${pct(o.minRelativeGrowth)}` };
  }
  const [early, recent] = splitHalves(points);
  if (early.length < 3 || recent.length < 3) return { ...fitted, verdict: 'insufficient-data', reason: 'too few samples in one half of the window' };
  const earlyLine = theilSen(early, scratch);
  const recentLine = theilSen(recent, scratch);
  const halvesRise = [early, recent].every((half, i) => {
    const slope = (i === 0 ? earlyLine : recentLine).slope;
    return slope >= o.minHalfSlopeShare * line.slope && mannKendallZ(half.map((p) => p.y)) >= o.minHalfTrendZ;
  });
  if (!halvesRise) return { ...fitted, reason: 'the growth is not spread over the window (a one-off step, not a leak)' };

  const accelerating = recentLine.slope > o.accelerationRatio * line.slope;
  // Slowing down (a warm-up levelling off, a cache filling up): the window's line carries the early, steep part into the
  // future and forecast a crossing that never comes; the recent half's line is the rate memory grows at now.
  const slowing = recentLine.slope * o.accelerationRatio < line.slope;
  const used = accelerating || slowing ? recentLine : line;
  const levelBytes = at(used, xNow);
  let etaMs: number | null = null;
  if (limitBytes !== undefined && Number.isFinite(limitBytes)) {
    etaMs = levelBytes >= limitBytes ? 0 : Math.round(((limitBytes - levelBytes) / used.slope) * 1000);
  }
  return {
    ...fitted,
    verdict: 'rising',
    reason: `memory rising ${formatRate(used.slope)}${accelerating ? ' and accelerating' : slowing ? ', slowing down' : ''} (R² ${r2.toFixed(2)}, ${n} samples)`,
    slopeBytesPerSec: used.slope,
    levelBytes,
    accelerating,
    etaMs,
    predictedCrossingAt: etaMs === null ? null : now + etaMs,
  };
}

/**
 * Confidence in 0..1: R² (how well one line explains the samples) × coverage (0.75 at half the window,
 * 1 at the full window) × sample factor (0.9 at minSamples, 1 from twice minSamples). A clean leak over
 * a full window scores about R²; a half-covered window cannot exceed 0.75.
 */
export function confidenceOf(r2: number, spanMs: number, n: number, windowMs: number, minSamples: number): number {
  const coverage = 0.5 + 0.5 * clamp01(spanMs / windowMs);
  const sampleFactor = n >= 2 * minSamples ? 1 : 0.9 + 0.1 * clamp01((n - minSamples) / Math.max(1, minSamples));
  return clamp01(clamp01(r2) * coverage * sampleFactor);
}

function at(line: Line, x: number): number {
  return line.slope * x + line.intercept;
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)} %`;
}

/** "12.5 MiB/min" style rate for messages. */
export function formatRate(bytesPerSec: number): string {
  const perMin = (bytesPerSec * 60) / (1024 * 1024);
  if (Math.abs(perMin) >= 1) return `${perMin.toFixed(perMin >= 10 ? 0 : 1)} MiB/min`;
  return `${((bytesPerSec * 3600) / (1024 * 1024)).toFixed(1)} MiB/h`;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
