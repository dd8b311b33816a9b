// Synthetic RSS and latency series for the prediction tests: seeded, so every run sees the same noise.
import type { RssSample } from '../../src/predict/memory-trend.js';
import { seededRandom } from '../../src/drill/chaos-schedule.js';

export const MiB = 1024 * 1024;
export const MIN = 60_000;
export const T0 = 1_700_000_000_000;

/** mulberry32: a tiny deterministic PRNG in [0, 1) (the chaos drill's). */
export const rng = seededRandom;

/** Samples every stepMs from T0 for durationMs; level(tMs since T0) in bytes, times (1 ± noise) uniform. */
export function series(durationMs: number, stepMs: number, level: (ms: number) => number, noise: number, seed: number): RssSample[] {
  const r = rng(seed);
  const out: RssSample[] = [];
  for (let ms = 0; ms <= durationMs; ms += stepMs) {
    out.push({ t: T0 + ms, bytes: Math.round(level(ms) * (1 + noise * (2 * r() - 1))) });
  }
  return out;
}

/** GC sawtooth: climbs by `rise` (share of base) over each period, then drops back to base. */
export function sawtooth(base: number, rise: number, periodMs: number, phaseMs = 0): (ms: number) => number {
  return (ms) => base * (1 + rise * (((ms + phaseMs) % periodMs) / periodMs));
}
