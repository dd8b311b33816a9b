// A step of the wall clock moves the reducer's times; a machine's sleep is time that passed and moves nothing.
import { describe, expect, it } from 'vitest';
import { clockStepWatch, FakeClock, systemClock } from '../../src/platform/clock.js';

const HOUR = 3_600_000;

describe('clockStepWatch', () => {
  it('reports a step of the wall clock, back or forward, once', () => {
    const clock = new FakeClock(1_000_000);
    const watch = clockStepWatch(clock);
    clock.advance(500);
    expect(watch.take()).toBe(0);
    clock.stepWall(-HOUR);
    expect(watch.take()).toBe(-HOUR);
    expect(watch.take()).toBe(0);
    clock.stepWall(2 * HOUR);
    clock.advance(300);
    expect(watch.take()).toBe(2 * HOUR);
  });

  it('does not count a sleep of the machine as a step (a maintenance window or restart history ages through it)', () => {
    const clock = new FakeClock(1_000_000);
    const watch = clockStepWatch(clock);
    clock.advance(2_000);
    clock.sleepMachine(8 * HOUR);
    clock.advance(1_000);
    expect(watch.take()).toBe(0);
    // A step of the wall clock right after waking is still one, without the night in it.
    clock.sleepMachine(HOUR);
    clock.stepWall(-30 * 60_000);
    expect(watch.take()).toBe(-30 * 60_000);
  });

  it('the system clock tells the time since boot, which moves with the monotonic clock while awake', async () => {
    const clock = systemClock();
    const b0 = clock.sinceBoot!();
    const m0 = clock.monotonic();
    await new Promise((r) => setTimeout(r, 300));
    const drift = clock.sinceBoot!() - b0 - (clock.monotonic() - m0);
    // /proc/uptime has 10 ms steps (kern.boottime on macOS, whole seconds): far below the 1 s that counts as a step.
    expect(Math.abs(drift)).toBeLessThan(1_100);
    expect(clockStepWatch(clock).take()).toBe(0);
  });
});
