// The memory and latency trends are fitted over a window of time: a wall clock stepped (NTP, date -s) must not empty
// the window or bend the slope, and the predicted crossing shown to people stays on the wall clock.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { ServicePredictor } from '../../src/daemon/prediction-wiring.js';
import type { DaemonContext } from '../../src/daemon/daemon.js';
import type { Clock } from '../../src/platform/clock.js';
import type { ProbeTickReport } from '../../src/probes/probe-worker.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { HOUR } from '../helpers/clock.js';

const MiB = 1024 * 1024;

/** A predictor of a service leaking 1 MiB/s towards a 300 MiB limit, fed every second on a clock whose wall reading can step. */
function leakingService() {
  const config = validateConfig(
    {
      services: [
        {
          name: 'gw',
          command: ['node', 'x.js'],
          probes: [
            { kind: 'memory', name: 'memory', limit: '300MiB', interval: '1s' },
            { kind: 'http', name: 'health', url: 'http://127.0.0.1:1/health', interval: '1s' },
          ],
          prediction: { memory: { window: '60s', minSamples: 12 }, latency: { window: '60s', minSamples: 12 } },
        },
      ],
    },
    'test',
  );
  let wall = 1_800_000_000_000;
  let mono = 10_000;
  const clock = { now: () => wall, monotonic: () => mono, setTimeout: () => ({ cancel: () => undefined }), sleep: () => Promise.resolve() } as Clock;
  const events: ClawbackEvent[] = [];
  const predictor = new ServicePredictor(config.services[0]!, { clock, emit: (e: ClawbackEvent) => events.push(e) } as unknown as DaemonContext, {
    restart: () => undefined,
    isHealthy: () => true,
    isRestarting: () => false,
    inMaintenance: () => false,
  });
  let bytes = 100 * MiB;
  let latency = 20;
  const report = (kind: 'memory' | 'http', value: number): ProbeTickReport => ({
    name: kind === 'http' ? 'health' : 'memory',
    kind,
    action: 'restart',
    result: { status: 'success', message: 'ok', value, latencyMs: kind === 'http' ? value : 1 },
    at: wall,
    durationMs: 1,
    consecutiveFailures: 0,
    consecutiveSuccesses: 1,
    verdict: 'healthy',
    inGrace: false,
  });
  return {
    predictor,
    events,
    step: (ms: number) => void (wall += ms),
    wall: () => wall,
    /** n more seconds of readings: memory grows 1 MiB/s, HTTP latency 10 ms/s. */
    feed(n: number) {
      for (let i = 0; i < n; i++) {
        wall += 1000;
        mono += 1000;
        bytes += MiB;
        latency += 10;
        predictor.onProbeResult(report('memory', bytes));
        predictor.onProbeResult(report('http', latency));
      }
    },
  };
}

describe('the trends across a wall-clock step', () => {
  for (const [label, ms] of [['forward', HOUR], ['back', -HOUR]] as const) {
    it(`stepped ${label} an hour, the memory forecast keeps its window and its ETA, and the latency trend its warning`, () => {
      const s = leakingService();
      s.feed(40);
      const before = s.predictor.view();
      expect(before.memory).toMatchObject({ verdict: 'rising' });
      expect(before.latency).toMatchObject({ warning: true });
      const eta = before.memory!.etaMs!;
      expect(eta).toBeGreaterThan(140_000);
      expect(eta).toBeLessThan(180_000);
      s.step(ms);
      s.feed(10);
      const after = s.predictor.view();
      expect(after.memory).toMatchObject({ verdict: 'rising' });
      // 10 s later, 10 s closer to the limit (within the fit's rounding).
      expect(Math.abs(after.memory!.etaMs! - (eta - 10_000))).toBeLessThan(5_000);
      expect(after.latency).toMatchObject({ warning: true });
    });
  }

  it('the predicted crossing shown to people is on the stepped wall clock', () => {
    const s = leakingService();
    s.feed(20);
    s.step(HOUR);
    s.feed(40);
    const warning = s.events.filter((e) => e.type === 'prediction.warning' && (e.details as { kind?: string }).kind === 'memory').at(-1);
    expect(warning).toBeDefined();
    const reason = String((warning!.details as { reason: string }).reason);
    expect(reason).toMatch(/memory predicted to reach the limit at .* \(in (2m\d+s|\d+s)\)/);
  });
});
