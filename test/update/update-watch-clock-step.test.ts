// The update's watch counts on the monotonic clock: an NTP step forward mid-watch rolled a healthy update back
// ("not ready and settled within ...") and a step back stretched the watch by the step.
import { describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../src/platform/clock.js';
import { watch, type UpdateTarget } from '../../src/update/run-update.js';

const HOUR = 3_600_000;

/** The system clock with a wall reading that steps once, on the first poll after `afterMs`. */
function clockSteppingBy(byMs: number, afterMs: number): Clock {
  const base = systemClock();
  const t0 = base.monotonic();
  return { ...base, now: () => base.now() + (base.monotonic() - t0 >= afterMs ? byMs : 0) };
}

/** A target that turns healthy `readyAfterMs` after the watch began. */
function target(readyAfterMs: number): UpdateTarget {
  const t0 = performance.now();
  return {
    service: { name: 'svc' } as UpdateTarget['service'],
    request: async () => ({ ok: true, message: '' }),
    restored: async () => ({ ok: true, message: '' }),
    phase: () => 'running',
    health: () => (performance.now() - t0 >= readyAfterMs ? 'healthy' : 'starting'),
    subscribe: () => () => undefined,
  };
}

describe('the update watch across a wall-clock step', () => {
  for (const [label, byMs] of [['forward', HOUR], ['back', -HOUR]] as const) {
    it(`keeps a version that becomes ready and settles, with the clock set ${label} an hour mid-watch`, { timeout: 10_000 }, async () => {
      const clock = clockSteppingBy(byMs, 100);
      const o = { clock, pollMs: 50, watchMs: 3_000, settleMs: 300, crashLoopExits: 3, exits: [], startedAt: clock.monotonic() };
      const verdict = await watch(target(400), undefined, async () => false, o);
      expect(verdict).toEqual({ kind: 'ok' });
    });
  }

  it('still rolls back a version that never becomes ready, within the watch, with the clock set back an hour', { timeout: 10_000 }, async () => {
    const clock = clockSteppingBy(-HOUR, 100);
    const begun = performance.now();
    const verdict = await watch(target(Infinity), undefined, async () => false, { clock, pollMs: 50, watchMs: 800, settleMs: 300, crashLoopExits: 3, exits: [], startedAt: clock.monotonic() });
    expect(verdict.kind).toBe('rollback');
    expect(performance.now() - begun).toBeLessThan(5_000);
  });
});
