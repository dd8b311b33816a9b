// Keeps one service's recent HTTP probe results (bounded) and says whether latency or failures are trending up.
import type { Clock } from '../platform/clock.js';
import type { ProbeResult } from '../probes/probe-types.js';
import type { LatencyPredictionConfig } from './predict-schema.js';
import { analyzeLatencyTrend, latencySampleFromProbe, type LatencySample, type LatencyTrend, type LatencyTrendOptions } from './latency-trend.js';
import { SampleWindow } from './sample-window.js';

export interface LatencyTrackerOptions extends LatencyTrendOptions {
  clock: Clock;
  /** Most samples kept (default 240). */
  capacity?: number;
}

export class LatencyTracker {
  private readonly window: SampleWindow<LatencySample>;
  private readonly clock: Clock;
  private readonly trend: LatencyTrendOptions;

  constructor(opts: LatencyTrackerOptions) {
    const { clock, capacity = 240, ...trend } = opts;
    this.clock = clock;
    this.trend = trend;
    this.window = new SampleWindow<LatencySample>({ capacity, minSpacingMs: trend.windowMs / capacity });
  }

  /** Options from the `prediction.latency` config section (thresholdMs: e.g. the http probe's timeout). */
  static fromConfig(config: LatencyPredictionConfig, clock: Clock, thresholdMs?: number): LatencyTracker {
    return new LatencyTracker({
      clock,
      windowMs: config.window,
      minSamples: config.minSamples,
      minRelativeIncrease: config.minRelativeIncrease,
      minAbsoluteIncreaseMs: config.minAbsoluteIncrease,
      minFailureShare: config.minFailureShare,
      thresholdMs,
    });
  }

  add(sample: LatencySample): boolean {
    return this.window.push(sample);
  }

  /** Records an http probe result (unknown results are ignored); t defaults to the clock's now. */
  addProbeResult(result: ProbeResult, t: number = this.clock.now()): boolean {
    const sample = latencySampleFromProbe(t, result);
    return sample ? this.window.push(sample) : false;
  }

  evaluate(now: number = this.clock.now()): LatencyTrend {
    return analyzeLatencyTrend(this.window.within(now, this.trend.windowMs), now, this.trend);
  }

  reset(): void {
    this.window.clear();
  }
}
