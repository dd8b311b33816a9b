// Outlier-resistant trend statistics (Theil–Sen, Mann–Kendall, R²) shared by the memory and latency forecasts.

export interface Point {
  /** Any time unit; the caller keeps it consistent (seconds relative to the first sample here). */
  x: number;
  y: number;
}

/** Median in O(n) expected time (quickselect on a copy); NaN for no values. */
export function median(values: ArrayLike<number>): number {
  return medianInPlace(Float64Array.from(values));
}

/** The same median, reordering `a` itself instead of a copy (for a buffer the caller owns). */
export function medianInPlace(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  const upper = select(a, mid);
  return n % 2 === 1 ? upper : (maxBelow(a, mid) + upper) / 2;
}

/** Rearranges a so that a[k] is the k-th smallest (Hoare partition, middle pivot); returns a[k]. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}

/** After select(a, k): the largest of a[0..k-1]. */
function maxBelow(a: Float64Array, k: number): number {
  let m = -Infinity;
  for (let i = 0; i < k; i++) if (a[i]! > m) m = a[i]!;
  return m;
}

export interface Line {
  slope: number;
  intercept: number;
}

/**
 * One buffer for the pairwise slopes of every fit a daemon runs (they run one at a time): 240 samples are 28 680
 * pairs, 224 KiB, which as a fresh array per fit is a large-object allocation and ~56 page faults, several times a
 * second at 20 services once the forecast windows are full (issue 19).
 */
export class PairScratch {
  private buf = new Float64Array(0);

  /** A view of n doubles (the buffer grows when a fit needs more); its contents are whatever the previous fit left. */
  take(n: number): Float64Array {
    if (this.buf.length < n) this.buf = new Float64Array(n);
    return this.buf.subarray(0, n);
  }
}

/**
 * Theil–Sen estimator: the slope is the median of all pairwise slopes, the intercept the median of
 * y - slope·x. Up to ~29 % of the points can be arbitrary outliers without moving the line much,
 * which is why it suits RSS readings with GC spikes and probe latencies with jitter. O(n²) pairs:
 * callers keep n bounded (ring buffers of at most a few hundred samples).
 */
export function theilSen(points: readonly Point[], scratch?: PairScratch): Line {
  const n = points.length;
  if (n < 2) return { slope: 0, intercept: n === 1 ? points[0]!.y : 0 };
  const pairs = (n * (n - 1)) / 2;
  const slopes = scratch ? scratch.take(pairs) : new Float64Array(pairs);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const a = points[i]!;
    for (let j = i + 1; j < n; j++) {
      const b = points[j]!;
      const dx = b.x - a.x;
      if (dx !== 0) slopes[k++] = (b.y - a.y) / dx;
    }
  }
  if (k === 0) return { slope: 0, intercept: median(points.map((p) => p.y)) };
  const slope = medianInPlace(slopes.subarray(0, k));
  const intercept = median(points.map((p) => p.y - slope * p.x));
  return { slope, intercept };
}

/**
 * Mann–Kendall trend test: S counts rising minus falling pairs; Z is its normal approximation with
 * continuity correction and the usual correction of the variance for tied values (RSS readings are
 * page-quantised and often tie; pass/fail indicators are nothing but ties). Z >= 2.33 is a one-sided 1 % level.
 */
export function mannKendallZ(ys: readonly number[]): number {
  const n = ys.length;
  if (n < 3) return 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const a = ys[i]!;
    for (let j = i + 1; j < n; j++) s += Math.sign(ys[j]! - a);
  }
  const groups = new Map<number, number>();
  for (const y of ys) groups.set(y, (groups.get(y) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of groups.values()) tieTerm += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  if (variance <= 0) return 0;
  if (s > 0) return (s - 1) / Math.sqrt(variance);
  if (s < 0) return (s + 1) / Math.sqrt(variance);
  return 0;
}

/** Share of the variance a line explains (1 - SSres/SStot); can be negative for a robust line; 0 for a constant series. */
export function rSquared(points: readonly Point[], line: Line): number {
  if (points.length < 2) return 0;
  const mean = points.reduce((sum, p) => sum + p.y, 0) / points.length;
  let ssTot = 0;
  let ssRes = 0;
  for (const p of points) {
    ssTot += (p.y - mean) ** 2;
    ssRes += (p.y - (line.slope * p.x + line.intercept)) ** 2;
  }
  return ssTot === 0 ? 0 : 1 - ssRes / ssTot;
}

/** Splits points at the middle of their x span (not the middle index), so uneven sampling cannot hide a half. */
export function splitHalves(points: readonly Point[]): [Point[], Point[]] {
  if (points.length === 0) return [[], []];
  const mid = (points[0]!.x + points[points.length - 1]!.x) / 2;
  return [points.filter((p) => p.x <= mid), points.filter((p) => p.x > mid)];
}

export function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}

/** Pair statistics are O(n²): longer series are thinned evenly to this many points (45 k pairs, a few ms). */
export const MAX_FIT_POINTS = 300;

/**
 * At most max items, evenly spaced by index, first and last kept: bounds the O(n²) pair statistics
 * (300 points = 45 k pairs, a few ms) whatever a caller passes.
 */
export function thinEvenly<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const out: T[] = [];
  const step = (items.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(items[Math.round(i * step)]!);
  return out;
}
