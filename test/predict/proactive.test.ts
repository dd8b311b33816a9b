import { describe, expect, it } from 'vitest';
import type { MemoryForecast } from '../../src/predict/memory-trend.js';
import { predictionSchema, type MemoryPredictionConfig } from '../../src/predict/predict-schema.js';
import { decideProactive, type ProactiveInput, type ProactiveState } from '../../src/predict/proactive.js';
import { formatLocalTime, localOffsetMinutes, quietWindowAt } from '../../src/predict/quiet-window.js';

const MIN = 60_000;
const H = 60 * MIN;
const TZ = 60; // local = UTC + 1 h
/** Epoch ms of a local wall time on 2025-03-10 (+ dayShift). */
const local = (h: number, m = 0, dayShift = 0): number => Date.UTC(2025, 2, 10 + dayShift, h, m) - TZ * MIN;

function forecast(now: number, etaMs: number | null, over: Partial<MemoryForecast> = {}): MemoryForecast {
  return {
    verdict: 'rising',
    reason: 'memory rising 20 MiB/min (R² 0.98, 60 samples)',
    slopeBytesPerSec: 350_000,
    etaMs,
    predictedCrossingAt: etaMs === null ? null : now + etaMs,
    confidence: 0.95,
    levelBytes: 1e9,
    accelerating: false,
    samples: 60,
    spanMs: 10 * MIN,
    r2: 0.98,
    trendZ: 8,
    ...over,
  };
}

const base = predictionSchema.parse({}).memory; // horizon 30m, safetyMargin 5m, minConfidence 0.8, proactive off

function decide(now: number, etaMs: number | null, opts: { config?: Partial<MemoryPredictionConfig>; state?: ProactiveState; healthy?: boolean; restarting?: boolean; maintenance?: boolean; f?: Partial<MemoryForecast>; monotonic?: number } = {}) {
  const input: ProactiveInput = {
    forecast: forecast(now, etaMs, opts.f),
    config: { ...base, ...opts.config },
    now,
    monotonic: opts.monotonic ?? now,
    tzOffsetMinutes: TZ,
    healthy: opts.healthy ?? true,
    restartInProgress: opts.restarting ?? false,
    ...(opts.maintenance !== undefined ? { maintenance: opts.maintenance } : {}),
    state: opts.state ?? {},
  };
  return decideProactive(input);
}

describe('proactive decision: when to say anything', () => {
  const now = local(14);
  it('no rising trend, beyond the horizon, or under the confidence floor: none', () => {
    expect(decide(now, null, { f: { verdict: 'no-trend', reason: 'memory is flat or falling' } })).toMatchObject({ action: 'none', reason: 'memory is flat or falling' });
    expect(decide(now, 45 * MIN).action).toBe('none');
    expect(decide(now, 45 * MIN).reason).toMatch(/beyond the horizon/);
    expect(decide(now, 10 * MIN, { f: { confidence: 0.7 } }).reason).toMatch(/confidence 0.70 is below 0.8/);
  });

  it('warns once per episode; a new episode after the gap warns again', () => {
    const first = decide(now, 20 * MIN);
    expect(first.action).toBe('warn');
    expect(first.reason).toBe('memory predicted to reach the limit at 14:20 (in 20m0s)');
    expect(first.state.warnedAt).toBe(now);
    const second = decide(now + MIN, 19 * MIN, { state: first.state });
    expect(second.action).toBe('none');
    expect(second.reason).toMatch(/already warned/);
    // The trend drops out briefly: same episode.
    const blip = decide(now + 3 * MIN, null, { state: second.state, f: { verdict: 'no-trend' } });
    expect(blip.state.warnedAt).toBe(now);
    expect(decide(now + 4 * MIN, 16 * MIN, { state: blip.state }).action).toBe('none');
    // Gone for longer than the gap (5 min): the episode is over.
    const over = decide(now + 10 * MIN, null, { state: blip.state, f: { verdict: 'no-trend' } });
    expect(over.state).toEqual({});
    expect(decide(now + 11 * MIN, 20 * MIN, { state: over.state }).action).toBe('warn');
  });

  it('the episode gap is a duration: a wall clock stepped forward does not end an episode (no second warning), nor one stepped back keep it going', () => {
    const mono = 5_000;
    const first = decide(now, 20 * MIN, { monotonic: mono });
    expect(first.action).toBe('warn');
    // NTP steps the wall clock an hour forward; 30 s later the trend drops out for one reading, then comes back.
    const blip = decide(now + H + 30_000, null, { state: first.state, monotonic: mono + 30_000, f: { verdict: 'no-trend' } });
    expect(blip.state.warnedAt).toBe(now);
    expect(decide(now + H + 60_000, 19 * MIN, { state: blip.state, monotonic: mono + 60_000 }).action).toBe('none');
    // Stepped an hour back instead: the trend is gone for 10 real minutes, so the episode is over and the next one warns.
    const over = decide(now - H + 10 * MIN, null, { state: first.state, monotonic: mono + 10 * MIN, f: { verdict: 'no-trend' } });
    expect(over.state).toEqual({});
    expect(decide(now - H + 11 * MIN, 20 * MIN, { state: over.state, monotonic: mono + 11 * MIN }).action).toBe('warn');
  });

  it('a restart already in progress: none, and the warning is not spent', () => {
    const d = decide(now, 10 * MIN, { restarting: true, config: { proactiveRestart: true } });
    expect(d.action).toBe('none');
    expect(d.state.warnedAt).toBeUndefined();
  });
});

describe('proactive decision: restarting ahead of time', () => {
  it('configured, healthy, no quiet window: restart now', () => {
    const now = local(14);
    const d = decide(now, 20 * MIN, { config: { proactiveRestart: true } });
    expect(d).toMatchObject({ action: 'restart', at: now });
    expect(d.reason).toMatch(/no quiet window is configured/);
    expect(d.state.warnedAt).toBe(now);
  });

  it('not configured: only a warning', () => {
    expect(decide(local(14), 20 * MIN).action).toBe('warn');
  });

  it('unhealthy: never restarts proactively (the watchdog owns it), warns once', () => {
    const d = decide(local(14), 20 * MIN, { config: { proactiveRestart: true }, healthy: false });
    expect(d.action).toBe('warn');
    expect(d.reason).toMatch(/no proactive restart while the service is unhealthy/);
    expect(decide(local(14, 1), 19 * MIN, { config: { proactiveRestart: true }, healthy: false, state: d.state }).action).toBe('none');
  });

  it('in maintenance: no proactive restart (the reducer restarts nothing on its own then), one warning; restart once it ends', () => {
    const config = { proactiveRestart: true };
    const d = decide(local(14), 20 * MIN, { config, maintenance: true });
    expect(d.action).toBe('warn');
    expect(d.reason).toMatch(/no proactive restart during maintenance/);
    expect(decide(local(14, 1), 19 * MIN, { config, maintenance: true, state: d.state }).action).toBe('none');
    expect(decide(local(14, 2), 18 * MIN, { config, maintenance: false, state: d.state })).toMatchObject({ action: 'restart', at: local(14, 2) });
  });

  it('quiet window reachable before the safety margin: warn with the plan, restart when it opens', () => {
    const config = { proactiveRestart: true, horizon: 24 * H, quietWindow: { start: '02:00', end: '05:00' } };
    const now = local(14);
    const crossing = local(10, 0, 1); // tomorrow 10:00
    const d = decide(now, crossing - now, { config });
    expect(d).toMatchObject({ action: 'warn', at: local(2, 0, 1) });
    expect(d.reason).toMatch(/proactive restart planned at 02:00 \(in the quiet window from 02:00\)/);
    expect(decide(local(20), crossing - local(20), { config, state: d.state })).toMatchObject({ action: 'none', at: local(2, 0, 1) });
    const inWindow = decide(local(2, 0, 1), crossing - local(2, 0, 1), { config, state: d.state });
    expect(inWindow).toMatchObject({ action: 'restart', at: local(2, 0, 1) });
    expect(inWindow.reason).toMatch(/inside the quiet window/);
  });

  it('the crossing comes before the window: restart at the safety margin, never later', () => {
    const config = { proactiveRestart: true, quietWindow: { start: '02:00', end: '05:00' } };
    const now = local(14);
    const d = decide(now, 25 * MIN, { config });
    expect(d).toMatchObject({ action: 'warn', at: now + 20 * MIN });
    expect(d.reason).toMatch(/comes too late; at the safety margin of 5m0s/);
    expect(decide(now + 10 * MIN, 15 * MIN, { config, state: d.state }).action).toBe('none');
    expect(decide(now + 20 * MIN, 5 * MIN, { config, state: d.state })).toMatchObject({ action: 'restart', at: now + 20 * MIN });
    // The leak sped up: the crossing is now 3 min away, inside the margin: restart at once.
    expect(decide(now + 12 * MIN, 3 * MIN, { config, state: d.state })).toMatchObject({ action: 'restart', at: now + 12 * MIN });
  });

  it('a quiet window across midnight', () => {
    const config = { proactiveRestart: true, horizon: 24 * H, quietWindow: { start: '22:00', end: '04:00' } };
    expect(decide(local(1), 10 * H, { config }).action).toBe('restart');
    expect(decide(local(21), 10 * H, { config })).toMatchObject({ action: 'warn', at: local(22) });
  });
});

describe('quiet window arithmetic', () => {
  const w = { start: '02:00', end: '05:00' };
  it('finds the current or next occurrence in local time', () => {
    expect(quietWindowAt(w, local(3), TZ)).toEqual({ inside: true, start: local(2), end: local(5) });
    expect(quietWindowAt(w, local(5), TZ)).toEqual({ inside: false, start: local(2, 0, 1), end: local(5, 0, 1) });
    expect(quietWindowAt(w, local(1, 59), TZ)).toEqual({ inside: false, start: local(2), end: local(5) });
    const night = { start: '23:00', end: '01:00' };
    expect(quietWindowAt(night, local(0, 30), TZ)).toEqual({ inside: true, start: local(23, 0, -1), end: local(1) });
    expect(quietWindowAt(night, local(12), TZ)).toEqual({ inside: false, start: local(23), end: local(1, 0, 1) });
  });

  it('formats local time and reads the system offset', () => {
    expect(formatLocalTime(local(7, 5), TZ)).toBe('07:05');
    expect(formatLocalTime(Date.UTC(2025, 0, 1, 23, 30), -60)).toBe('22:30');
    expect(Number.isInteger(localOffsetMinutes(Date.now()))).toBe(true);
  });
});
