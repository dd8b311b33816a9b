// Keeps one service's recent HTTP probe results (bounded) and says whether latency or failures are trending up.
import type { Clock } from '../platform/clock.js';
import type { ProbeResult } from '../probes/probe-types.js';
import type { LatencyPredictionConfig } from './predict-schema.js';
import { analyzeLatencyTrend, latencySampleFromProbe, type LatencySample, type LatencyTrend, type LatencyTrendOptions } from './latency-trend.js';
import { SampleWindow, TREND_CAPACITY } from './sample-window.js';
import type { PairScratch } from './robust-stats.js';

export interface LatencyTrackerOptions extends LatencyTrendOptions {
  clock: Clock;
  /** Most samples kept (default 240). */
  capacity?: number;
  /** The fits' shared slope buffer (see PairScratch); without it each fit allocates its own. */
  scratch?: PairScratch;
}

export class LatencyTracker {
  private readonly window: SampleWindow<LatencySample>;
  private readonly clock: Clock;
  private readonly trend: LatencyTrendOptions;
  private readonly scratch: PairScratch | undefined;

  constructor(opts: LatencyTrackerOptions) {
    const { clock, capacity = TREND_CAPACITY, scratch, ...trend } = opts;
    this.clock = clock;
    this.scratch = scratch;
    this.trend = trend;
    this.window = new SampleWindow<LatencySample>({ capacity, minSpacingMs: trend.windowMs / capacity });
  }

  /** Options from the `prediction.latency` config section (thresholdMs: e.g. the http probe's timeout). */
  static fromConfig(config: LatencyPredictionConfig, clock: Clock, thresholdMs?: number, scratch?: PairScratch): LatencyTracker {
    return new LatencyTracker({
      clock,
      windowMs: config.window,
      minSamples: config.minSamples,
      minRelativeIncrease: config.minRelativeIncrease,
      minAbsoluteIncreaseMs: config.minAbsoluteIncrease,
      minFailureShare: config.minFailureShare,
      thresholdMs,
      ...(scratch ? { scratch } : {}),
    });
  }

  add(sample: LatencySample): boolean {
    return this.window.push(sample);
  }

  /** Records an http probe result (unknown results are ignored); t defaults to the clock's monotonic time. */
  addProbeResult(result: ProbeResult, t: number = this.clock.monotonic()): boolean {
    const sample = latencySampleFromProbe(t, result);
    return sample ? this.window.push(sample) : false;
  }

  evaluate(now: number = this.clock.monotonic()): LatencyTrend {
    return analyzeLatencyTrend(this.window.within(now, this.trend.windowMs), now, this.trend, this.scratch);
  }

  reset(): void {
    this.window.clear();
  }
}
