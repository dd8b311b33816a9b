// How often the daemon refits its trends: a twentieth of the window, never faster than every 2 s (memory) or 5 s
// (latency), so a full 10-minute window costs a fit every 30 s per service instead of every 2 s and 5 s (issue 19).
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { ServicePredictor, evalEveryMs } from '../../src/daemon/prediction-wiring.js';
import type { DaemonContext } from '../../src/daemon/daemon.js';
import type { Clock } from '../../src/platform/clock.js';
import type { ProbeTickReport } from '../../src/probes/probe-worker.js';

function steppedClock(): Clock & { advance(ms: number): void } {
  let t = 1_800_000_000_000;
  return {
    now: () => t,
    monotonic: () => t,
    setTimeout: () => ({ cancel: () => undefined }),
    sleep: () => Promise.resolve(),
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A predictor for one service with an HTTP and a memory probe, on a stepped clock; `fits.memory` counts memory fits. */
function predictorFor(prediction: Record<string, unknown>) {
  const config = validateConfig(
    {
      services: [
        {
          name: 'gw',
          command: ['node', 'x.js'],
          probes: [
            { kind: 'http', name: 'health', url: 'http://127.0.0.1:1/health', interval: '1s' },
            { kind: 'memory', name: 'memory', limit: '200MiB', interval: '500ms' },
          ],
          prediction,
        },
      ],
    },
    'test',
  );
  const clock = steppedClock();
  const ctx = { clock, emit: () => undefined } as unknown as DaemonContext;
  let memory = 0;
  const predictor = new ServicePredictor(config.services[0]!, ctx, {
    restart: () => undefined,
    isHealthy: () => (memory++, true),
    isRestarting: () => false,
    inMaintenance: () => false,
  });
  const report = (kind: 'memory' | 'http', value: number): ProbeTickReport => ({
    name: kind === 'http' ? 'health' : 'memory',
    kind,
    action: 'restart',
    result: { status: 'success', message: 'ok', value, latencyMs: 3 },
    at: clock.now(),
    durationMs: 1,
    consecutiveFailures: 0,
    consecutiveSuccesses: 1,
    verdict: 'healthy',
    inGrace: false,
  });
  return { predictor, clock, report, fits: { get memory() { return memory; } } };
}

/** Feeds 60 s of memory (every 500 ms) and HTTP results (every 1 s); counts the memory fits and latency fits. */
function fitsIn60s(prediction: Record<string, unknown>): { memory: number; latency: number } {
  const { predictor, clock, report, fits } = predictorFor(prediction);
  const latencyFits = { n: 0 };
  const tracker = (predictor as unknown as { latency: { evaluate(now: number): unknown } }).latency;
  const evaluate = tracker.evaluate.bind(tracker);
  tracker.evaluate = (now: number) => (latencyFits.n++, evaluate(now));
  for (let i = 1; i <= 120; i++) {
    clock.advance(500);
    predictor.onProbeResult(report('memory', 100_000_000 + i * 4096));
    if (i % 2 === 0) predictor.onProbeResult(report('http', 3));
  }
  return { memory: fits.memory, latency: latencyFits.n };
}

describe('prediction cadence', () => {
  it('a twentieth of the window, with floors of 2 s and 5 s', () => {
    expect(evalEveryMs(600_000, 2000)).toBe(30_000);
    expect(evalEveryMs(8_000, 2000)).toBe(2000);
    expect(evalEveryMs(60_000, 5000)).toBe(5000);
    expect(evalEveryMs(3_600_000, 5000)).toBe(180_000);
  });

  it('the default 10-minute windows are refitted every 30 s (the first result fits at once); a short window as often as before', () => {
    expect(fitsIn60s({})).toEqual({ memory: 2, latency: 2 });
    expect(fitsIn60s({ memory: { window: '8s', minSamples: 12 }, latency: { window: '20s' } })).toEqual({ memory: 30, latency: 12 });
  });

  it("a new instance shows no latency trend of the old one, and its first result is fitted at once", () => {
    const { predictor, clock, report } = predictorFor({});
    clock.advance(1000);
    predictor.onProbeResult(report('http', 3));
    expect(predictor.view().latency).not.toBeNull();
    predictor.reset();
    // The old instance's figure stayed in status until the next fit (up to 30 s with the default window).
    expect(predictor.view().latency).toBeNull();
    clock.advance(1000);
    predictor.onProbeResult(report('http', 3));
    expect(predictor.view().latency).not.toBeNull();
  });
});
