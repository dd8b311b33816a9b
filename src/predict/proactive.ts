// Pure decision: given a memory forecast, warn once per episode and restart ahead of the crash when that is safe and wanted.
import { formatDuration } from '../config/duration.js';
import type { MemoryForecast } from './memory-trend.js';
import type { MemoryPredictionConfig } from './predict-schema.js';
import { formatLocalTime, quietWindowAt } from './quiet-window.js';

/** Carried by the caller from one decision to the next (per service); {} to start, {} again after a restart. */
export interface ProactiveState {
  /** First decision of the current predicted episode. */
  episodeSince?: number;
  /** When the episode's warning went out (the dedupe). */
  warnedAt?: number;
  /** Last decision at which the forecast warranted a warning, on the monotonic clock (the gap is a duration). */
  lastSeenMono?: number;
}

export interface ProactiveInput {
  forecast: MemoryForecast;
  config: Pick<MemoryPredictionConfig, 'horizon' | 'proactiveRestart' | 'quietWindow' | 'safetyMargin' | 'minConfidence'>;
  now: number;
  /** The monotonic clock's reading at the same moment: the episode gap is measured on it, so a wall-clock step (NTP
   * after boot, date -s) neither ends an episode early (a second warning) nor keeps it going past the gap (none). */
  monotonic: number;
  /** Local time = UTC + this many minutes (localOffsetMinutes(now) at the edge). */
  tzOffsetMinutes: number;
  /** The service is otherwise healthy (probes pass, no open incident). */
  healthy: boolean;
  /** A restart (any cause) is already under way. */
  restartInProgress: boolean;
  /** The service is in maintenance: the reducer restarts nothing on its own then, so a proactive restart is not planned. */
  maintenance?: boolean;
  state: ProactiveState;
  /** The episode ends after the forecast has not warranted a warning for this long (default 5 min). */
  episodeGapMs?: number;
}

export type ProactiveAction = 'none' | 'warn' | 'restart';

export interface ProactiveDecision {
  /**
   * 'restart' means now; the caller emits prediction.warning with it only when warnedAt was not set before: the reducer
   * may refuse the request (a hold, a repair under way), and the decision says 'restart' again at every fit until the
   * instance changes; announced each time, that was one alert per fit.
   */
  action: ProactiveAction;
  reason: string;
  /** For 'restart': now. Otherwise the planned proactive restart time, when one is planned. */
  at?: number;
  /** The state to pass to the next decision. */
  state: ProactiveState;
}

/** The forecast is worth acting on: a rising trend, confident enough, reaching the limit within the horizon. */
export function forecastWarrantsWarning(forecast: MemoryForecast, config: Pick<MemoryPredictionConfig, 'horizon' | 'minConfidence'>): boolean {
  return (
    forecast.verdict === 'rising' &&
    forecast.etaMs !== null &&
    forecast.predictedCrossingAt !== null &&
    forecast.etaMs <= config.horizon &&
    forecast.confidence >= config.minConfidence
  );
}

/**
 * Decision table:
 * - forecast not rising / beyond the horizon / below minConfidence -> none (the episode ends after episodeGapMs of that);
 * - a restart in progress -> none;
 * - proactiveRestart on and the service healthy -> restart at the planned time: now if inside the quiet window,
 *   the window's next start if that comes before crossing - safetyMargin, else crossing - safetyMargin;
 *   without a quiet window, now. Before the planned time: warn once (with at = the plan), then none;
 * - otherwise (proactive off, the service unhealthy: the watchdog owns an unhealthy service, or in maintenance: nothing
 *   restarts it on its own then) -> warn once per episode (a restart follows at the next decision once that changes).
 */
export function decideProactive(input: ProactiveInput): ProactiveDecision {
  const { forecast, config, now, tzOffsetMinutes: tz } = input;
  const gap = input.episodeGapMs ?? 5 * 60_000;
  if (!forecastWarrantsWarning(forecast, config)) {
    const ended = input.state.lastSeenMono !== undefined && input.monotonic - input.state.lastSeenMono > gap;
    return { action: 'none', reason: quietReason(forecast, config), state: ended ? {} : input.state };
  }
  const state: ProactiveState = { ...input.state, episodeSince: input.state.episodeSince ?? now, lastSeenMono: input.monotonic };
  const crossingAt = forecast.predictedCrossingAt!;
  const prediction = `memory predicted to reach the limit at ${formatLocalTime(crossingAt, tz)} (in ${formatDuration(Math.max(0, crossingAt - now))})`;
  if (input.restartInProgress) return { action: 'none', reason: `${prediction}; a restart is already in progress`, state };
  const warned = state.warnedAt !== undefined;

  if (config.proactiveRestart && input.healthy && !input.maintenance) {
    const latest = crossingAt - config.safetyMargin;
    let planned = now;
    let why = 'no quiet window is configured';
    if (config.quietWindow) {
      const qw = quietWindowAt(config.quietWindow, now, tz);
      if (qw.inside) {
        why = 'inside the quiet window';
      } else if (qw.start <= latest) {
        planned = qw.start;
        why = `in the quiet window from ${formatLocalTime(qw.start, tz)}`;
      } else {
        planned = latest;
        why = `the quiet window (${config.quietWindow.start}) comes too late; at the safety margin of ${formatDuration(config.safetyMargin)} before the crossing`;
      }
    }
    if (planned <= now) {
      return { action: 'restart', reason: `${prediction}; restarting ahead of time (${why})`, at: now, state: { ...state, warnedAt: state.warnedAt ?? now } };
    }
    const plan = `proactive restart planned at ${formatLocalTime(planned, tz)} (${why})`;
    if (warned) return { action: 'none', reason: `${prediction}; already warned; ${plan}`, at: planned, state };
    return { action: 'warn', reason: `${prediction}; ${plan}`, at: planned, state: { ...state, warnedAt: now } };
  }

  const note = !config.proactiveRestart ? '' : input.maintenance ? '; no proactive restart during maintenance' : '; no proactive restart while the service is unhealthy';
  if (warned) return { action: 'none', reason: `${prediction}; already warned${note}`, state };
  return { action: 'warn', reason: `${prediction}${note}`, state: { ...state, warnedAt: now } };
}

function quietReason(forecast: MemoryForecast, config: Pick<MemoryPredictionConfig, 'horizon' | 'minConfidence'>): string {
  if (forecast.verdict !== 'rising') return forecast.reason;
  if (forecast.etaMs === null) return `${forecast.reason}; no memory limit to forecast against`;
  if (forecast.etaMs > config.horizon) return `${forecast.reason}; the limit is ${formatDuration(forecast.etaMs)} away, beyond the horizon`;
  return `${forecast.reason}; confidence ${forecast.confidence.toFixed(2)} is below ${config.minConfidence}`;
}
