// Failure prediction in the daemon: memory forecast and latency trend per service, proactive restarts, crash patterns.
import path from 'node:path';
import type { ServiceConfig } from '../config/schema.js';
import type { DaemonContext, DaemonPlugin } from './daemon.js';
import type { ProbeTickReport } from '../probes/probe-worker.js';
import { MemoryForecaster } from '../predict/memory-forecaster.js';
import { LatencyTracker } from '../predict/latency-tracker.js';
import { PairScratch } from '../predict/robust-stats.js';
import { decideProactive, type ProactiveState } from '../predict/proactive.js';
import { localOffsetMinutes } from '../predict/quiet-window.js';
import { findCrashPatterns, crashPatternOptionsFromConfig } from '../predict/crash-patterns.js';
import type { MemoryForecast } from '../predict/memory-trend.js';
import type { LatencyTrend } from '../predict/latency-trend.js';
import { readJournal } from '../observe/journal-read.js';
import { formatDuration } from '../config/duration.js';
import { Gauge } from '../observe/prom-parts.js';
import type { MetricsHolder } from './observe-wiring.js';

/**
 * How often the trends are refitted: a twentieth of their window, and at least every 2 s (memory) or 5 s (latency).
 * A full 10-minute window (240 samples) costs ~0.4 ms per memory fit and ~0.5 ms per latency fit (O(n²) pairs):
 * every 2 s and 5 s that was 1 % of a core at 20 services once the windows filled, 5 % at 100. Every 30 s it is
 * ~0.06 % and ~0.3 %, and a forecast over minutes loses nothing by it (issue 19).
 */
export function evalEveryMs(windowMs: number, floorMs: number): number {
  return Math.max(floorMs, Math.round(windowMs / 20));
}

export interface ForecastView {
  memory: { verdict: string; etaMs: number | null; confidence: number; slopeBytesPerSec: number; limitBytes: number | null; reason: string } | null;
  latency: { warning: boolean; message: string } | null;
}

/** One service's predictors; fed with the probe results the watchdog already collects. */
export class ServicePredictor {
  private readonly memory: MemoryForecaster | undefined;
  private readonly latency: LatencyTracker | undefined;
  private lastForecast: MemoryForecast | undefined;
  private lastLatency: LatencyTrend | undefined;
  private proactive: ProactiveState = {};
  private latencyWarned = false;
  /** Monotonic times of the last fits (a wall clock set back an hour skipped every fit for the hour). */
  private lastLatencyEval: number | undefined;
  private lastMemoryEval: number | undefined;
  private readonly limit: number | undefined;
  private readonly httpProbe: string | undefined;
  private readonly memoryEvalEveryMs: number;
  private readonly latencyEvalEveryMs: number;

  constructor(
    private readonly service: ServiceConfig,
    private readonly ctx: DaemonContext,
    private readonly actions: { restart(reason: string): void; isHealthy(): boolean; isRestarting(): boolean; inMaintenance(): boolean },
    scratch?: PairScratch,
  ) {
    const p = service.prediction;
    const memProbe = service.probes.find((x) => x.kind === 'memory') as { limit?: number } | undefined;
    this.limit = memProbe?.limit;
    if (p.memory.enabled && this.limit !== undefined) this.memory = MemoryForecaster.fromConfig(p.memory, ctx.clock, scratch);
    this.httpProbe = service.probes.find((x) => x.kind === 'http')?.name ?? (service.probes.some((x) => x.kind === 'http') ? 'http' : undefined);
    if (p.latency.enabled && this.httpProbe) this.latency = LatencyTracker.fromConfig(p.latency, ctx.clock, undefined, scratch);
    this.memoryEvalEveryMs = evalEveryMs(p.memory.window, 2000);
    this.latencyEvalEveryMs = evalEveryMs(p.latency.window, 5000);
  }

  /** A new instance: old samples describe another process. */
  reset(): void {
    this.memory?.reset();
    this.latency?.reset();
    this.proactive = {};
    this.lastForecast = undefined;
    this.latencyWarned = false;
    this.lastMemoryEval = undefined;
    // The old instance's latency trend stayed in status until the next fit (up to a twentieth of the window).
    this.lastLatency = undefined;
    this.lastLatencyEval = undefined;
  }

  onProbeResult(r: ProbeTickReport): void {
    const now = this.ctx.clock.now();
    const mono = this.ctx.clock.monotonic();
    // The samples are timed on the monotonic clock: the window and the slope are durations, and a wall clock stepped an
    // hour (NTP, date -s) left every sample outside the window (forward) or cleared it (back), the forecast blind for
    // a whole window. The planned times (crossing, quiet window) are wall times for people and the calendar.
    // An estimated PSS (between two reads of a several-process tree) is not a measurement: it rises with shared pages.
    if (r.kind === 'memory' && this.memory && r.result.value !== undefined && this.limit !== undefined && r.result.details?.['pssEstimated'] !== true) {
      this.memory.add({ bytes: r.result.value, t: mono });
      // The trend fit is O(n^2) in the window's samples: once every evalEveryMs (30 s for a 10-minute window)
      // is plenty for a horizon of minutes, and keeps 100 services' probes cheap.
      if (this.lastMemoryEval !== undefined && mono - this.lastMemoryEval < this.memoryEvalEveryMs) return;
      this.lastMemoryEval = mono;
      const fit = this.memory.forecast(this.limit, mono);
      const forecast: MemoryForecast = { ...fit, predictedCrossingAt: fit.etaMs === null ? null : now + fit.etaMs };
      this.lastForecast = forecast;
      const decision = decideProactive({
        forecast,
        config: this.service.prediction.memory,
        now,
        monotonic: mono,
        tzOffsetMinutes: localOffsetMinutes(now),
        healthy: this.actions.isHealthy(),
        restartInProgress: this.actions.isRestarting(),
        maintenance: this.actions.inMaintenance(),
        state: this.proactive,
      });
      const warnedBefore = this.proactive.warnedAt !== undefined;
      this.proactive = decision.state;
      // A 'restart' the reducer refused comes again at the next fit: the episode's warning goes out once.
      if (decision.action === 'warn' || (decision.action === 'restart' && !warnedBefore)) {
        const eta = forecast.etaMs !== null ? formatDuration(forecast.etaMs) : '?';
        this.ctx.emit({
          type: 'prediction.warning',
          time: now,
          severity: 'warning',
          service: this.service.name,
          message: `${this.service.name} predicted to reach its memory limit (${Math.round(this.limit / 1024 / 1024)} MiB) in ~${eta} (confidence ${forecast.confidence.toFixed(2)})${decision.action === 'restart' ? '; restarting ahead of time' : ''}`,
          details: { kind: 'memory', etaMs: forecast.etaMs, confidence: forecast.confidence, slopeBytesPerSec: forecast.slopeBytesPerSec, action: decision.action, reason: decision.reason },
        });
      }
      if (decision.action === 'restart') this.actions.restart(decision.reason);
    }
    if (r.kind === 'http' && r.name === this.httpProbe && this.latency) {
      this.latency.addProbeResult(r.result, mono);
      if (this.lastLatencyEval !== undefined && mono - this.lastLatencyEval < this.latencyEvalEveryMs) return;
      this.lastLatencyEval = mono;
      const trend = this.latency.evaluate(mono);
      this.lastLatency = trend;
      if (trend.warning && !this.latencyWarned) {
        this.latencyWarned = true;
        this.ctx.emit({ type: 'prediction.warning', time: now, severity: 'warning', service: this.service.name, message: `${this.service.name}: ${trend.message}`, details: { kind: 'latency', trends: trend.kinds } });
      } else if (!trend.warning) {
        this.latencyWarned = false;
      }
    }
  }

  view(): ForecastView {
    const f = this.lastForecast;
    return {
      memory: f ? { verdict: f.verdict, etaMs: f.etaMs, confidence: f.confidence, slopeBytesPerSec: f.slopeBytesPerSec, limitBytes: this.limit ?? null, reason: f.reason } : null,
      latency: this.lastLatency ? { warning: this.lastLatency.warning, message: this.lastLatency.message } : null,
    };
  }
}

export class PredictorRegistry {
  readonly byService = new Map<string, ServicePredictor>();
  /** The slope buffer every service's fits share (they run one at a time on the daemon's thread). */
  readonly scratch = new PairScratch();
  /** The daemon's status extras, once the plugin is up: a service added by a reload shows its forecast too. */
  private extras: Map<string, () => Record<string, unknown>> | undefined;

  /** A runtime's predictor, from its creation (at boot, reload or scale) until its disposal. */
  add(name: string, pred: ServicePredictor): void {
    this.byService.set(name, pred);
    this.extras?.set(name, () => ({ forecast: pred.view() }));
  }

  /**
   * The runtime was disposed (removed by a reload or a scale down, replaced, or the daemon stopping): without this
   * its predictor stayed for the daemon's life, and so did its last forecast in /metrics, a removed service's ETA.
   */
  remove(name: string, pred: ServicePredictor): void {
    if (this.byService.get(name) !== pred) return;
    this.byService.delete(name);
    this.extras?.delete(name);
  }

  showIn(extras: Map<string, () => Record<string, unknown>>): void {
    this.extras = extras;
    for (const [name, pred] of this.byService) extras.set(name, () => ({ forecast: pred.view() }));
  }
}

/** Names recurring crash signatures when an incident opens (journaled; the Level 3 prompt reads the journal). */
export function crashPatternPlugin(registry: PredictorRegistry, metrics?: MetricsHolder): DaemonPlugin {
  return {
    name: 'prediction',
    init(ctx, daemon) {
      registry.showIn(daemon.statusExtras);
      if (metrics) {
        new Gauge({
          name: 'clawback_memory_forecast_eta_seconds',
          help: 'Estimated seconds until the service reaches its memory limit (absent when no rising trend)',
          labelNames: ['service'],
          registers: [metrics.get().registry],
          collect() {
            this.reset();
            for (const [name, pred] of registry.byService) {
              const m = pred.view().memory;
              if (m && m.verdict === 'rising' && m.etaMs !== null) this.set({ service: name }, m.etaMs / 1000);
            }
          },
        });
      }
      const journal = path.join(ctx.stateDir, 'journal.jsonl');
      const off = ctx.bus.subscribe((e) => {
        if (e.type !== 'incident.opened' || !e.service) return;
        const service = ctx.config.services.find((s) => s.name === e.service);
        if (!service?.prediction.crashPatterns.enabled) return;
        const now = ctx.clock.now();
        void readJournal(journal, { since: now - service.prediction.crashPatterns.lookback })
          .then((events) => {
            const found = findCrashPatterns(events, now, crashPatternOptionsFromConfig(service.prediction.crashPatterns, { service: service.name, tzOffsetMinutes: localOffsetMinutes(now), ...(e.incidentId ? { incidentId: e.incidentId } : {}) }));
            for (const f of found) {
              ctx.emit({ type: 'prediction.warning', time: ctx.clock.now(), severity: 'warning', service: service.name, incidentId: e.incidentId, message: `${service.name}: crash pattern: ${f.sentence}`, details: { kind: 'crash-pattern', signature: f.signature, count: f.count, hint: f.hint } });
            }
          })
          .catch(() => undefined);
      });
      return { stop: async () => off() };
    },
  };
}
