// Keeps the recent RSS samples of one service instance (bounded) and answers "when will it hit the limit?".
import type { Clock } from '../platform/clock.js';
import type { MemoryPredictionConfig } from './predict-schema.js';
import { analyzeMemoryTrend, type MemoryForecast, type MemoryTrendOptions, type RssSample } from './memory-trend.js';
import { SampleWindow, TREND_CAPACITY } from './sample-window.js';
import type { PairScratch } from './robust-stats.js';

export interface MemoryForecasterOptions extends MemoryTrendOptions {
  clock: Clock;
  /** Most samples kept (default 240); samples closer than windowMs / capacity to the previous one are skipped. */
  capacity?: number;
  /** The fits' shared slope buffer (see PairScratch); without it each fit allocates its own. */
  scratch?: PairScratch;
}

/**
 * One per supervised service. Feed it every RSS reading (e.g. from the memory probe); call reset()
 * when the service instance changes (a restart drops RSS and starts a new series). Holds at most
 * `capacity` samples whatever the uptime.
 */
export class MemoryForecaster {
  private readonly window: SampleWindow<RssSample>;
  private readonly clock: Clock;
  private readonly trend: MemoryTrendOptions;
  private readonly scratch: PairScratch | undefined;

  constructor(opts: MemoryForecasterOptions) {
    const { clock, capacity = TREND_CAPACITY, scratch, ...trend } = opts;
    this.clock = clock;
    this.scratch = scratch;
    this.trend = trend;
    this.window = new SampleWindow<RssSample>({ capacity, minSpacingMs: trend.windowMs / capacity });
  }

  /** Window and minSamples from the `prediction.memory` config section. */
  static fromConfig(config: MemoryPredictionConfig, clock: Clock, scratch?: PairScratch): MemoryForecaster {
    return new MemoryForecaster({ clock, windowMs: config.window, minSamples: config.minSamples, ...(scratch ? { scratch } : {}) });
  }

  /** Records one reading; t defaults to the clock's monotonic time (a window is a duration). False when skipped. */
  add(sample: { bytes: number; t?: number }): boolean {
    if (!Number.isFinite(sample.bytes) || sample.bytes < 0) return false;
    return this.window.push({ t: sample.t ?? this.clock.monotonic(), bytes: sample.bytes });
  }

  /** The fit at now, on the samples' clock (predictedCrossingAt too: a caller shows now-on-the-wall + etaMs). */
  forecast(limitBytes: number | undefined, now: number = this.clock.monotonic()): MemoryForecast {
    return analyzeMemoryTrend(this.window.within(now, this.trend.windowMs), limitBytes, now, this.trend, this.scratch);
  }

  /** Forget everything (a new instance of the service started). */
  reset(): void {
    this.window.clear();
  }

  get size(): number {
    return this.window.size;
  }
}
