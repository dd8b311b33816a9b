// When the chaos drill strikes and with what: a seeded PRNG, exponential inter-arrival times, a uniform pick of fault kinds (reproducible).
import type { ScenarioName } from './scenario-catalog.js';

/** mulberry32: a tiny 32-bit PRNG; the same seed gives the same sequence on every platform. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One draw of an exponential distribution with this mean (inverse CDF; never 0 or infinite). */
export function exponentialDraw(random: () => number, meanMs: number): number {
  const u = Math.min(1 - 1e-12, Math.max(1e-12, random()));
  return -Math.log(1 - u) * meanMs;
}

export interface PlannedFault {
  /** 1-based. */
  n: number;
  /** Ms after the start of the run. */
  atMs: number;
  kind: ScenarioName;
}

export interface ScheduleOptions {
  seed: number;
  durationMs: number;
  meanIntervalMs: number;
  kinds: readonly ScenarioName[];
  /** No fault closer than this to the end (the last one needs time to recover). Default 0. */
  tailMs?: number;
}

/** The whole plan of a chaos run, fixed by its seed: arrivals of a Poisson process, kinds drawn uniformly. */
export function chaosSchedule(o: ScheduleOptions): PlannedFault[] {
  if (o.kinds.length === 0) throw new Error('chaos schedule: expected at least one fault kind, got none');
  if (!(o.meanIntervalMs > 0)) throw new Error(`chaos schedule: meanIntervalMs: expected a number > 0, got ${o.meanIntervalMs}`);
  const random = seededRandom(o.seed);
  const out: PlannedFault[] = [];
  const end = o.durationMs - (o.tailMs ?? 0);
  let t = 0;
  // Bounded: at most one fault per 10 ms of run, whatever the mean says.
  for (let i = 0; i < o.durationMs / 10 + 1; i++) {
    t += exponentialDraw(random, o.meanIntervalMs);
    if (t >= end) break;
    const kind = o.kinds[Math.min(o.kinds.length - 1, Math.floor(random() * o.kinds.length))]!;
    out.push({ n: out.length + 1, atMs: Math.round(t), kind });
  }
  return out;
}
