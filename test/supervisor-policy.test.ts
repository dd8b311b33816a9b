// Policy tables for backoff and restart intensity, on fixed numbers and a fake clock.
import { describe, expect, it } from 'vitest';
import { backoffDelay, isStableRun } from '../src/supervisor/backoff.js';
import { recordRestart } from '../src/supervisor/intensity.js';
import { FakeClock } from '../src/platform/clock.js';

const policy = { initial: 100, max: 15_000, multiplier: 2, jitter: 0 };

describe('backoffDelay', () => {
  it.each([
    [0, 0],
    [1, 100],
    [2, 200],
    [3, 400],
    [5, 1600],
    [8, 12_800],
    [9, 15_000],
    [50, 15_000],
  ])('attempt %i -> %i ms without jitter', (attempt, expected) => {
    expect(backoffDelay(attempt, policy)).toBe(expected);
  });

  it('spreads by at most the jitter fraction and never exceeds the cap', () => {
    const p = { ...policy, jitter: 0.2 };
    expect(backoffDelay(3, p, () => 0)).toBe(320);
    expect(backoffDelay(3, p, () => 1)).toBe(480);
    expect(backoffDelay(20, p, () => 1)).toBe(15_000);
    expect(backoffDelay(0, p, () => 1)).toBe(0);
  });

  it('treats a run as stable once it lasted stableAfter', () => {
    expect(isStableRun(29_999, 30_000)).toBe(false);
    expect(isStableRun(30_000, 30_000)).toBe(true);
  });
});

describe('recordRestart (sliding window)', () => {
  it('trips on the restart that exceeds maxRestarts within the window', () => {
    const clock = new FakeClock();
    let history: number[] = [];
    const trips: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const d = recordRestart(history, clock.now(), { maxRestarts: 3, window: 10_000 });
      history = d.history;
      trips.push(d.tripped);
      clock.advance(1000);
    }
    expect(trips).toEqual([false, false, false, true]);
  });

  it('forgets restarts older than the window', () => {
    const clock = new FakeClock();
    let history: number[] = [];
    for (let i = 0; i < 3; i++) {
      history = recordRestart(history, clock.now(), { maxRestarts: 3, window: 10_000 }).history;
      clock.advance(1000);
    }
    clock.advance(10_000);
    const d = recordRestart(history, clock.now(), { maxRestarts: 3, window: 10_000 });
    expect(d.tripped).toBe(false);
    expect(d.history).toHaveLength(1);
  });

  it('with a long backoff, a slow crash loop still trips when the window is long enough', () => {
    const clock = new FakeClock();
    const p = { ...policy, jitter: 0 };
    let history: number[] = [];
    let tripped = false;
    let restarts = 0;
    for (let attempt = 0; attempt < 30 && !tripped; attempt++) {
      clock.advance(backoffDelay(attempt, p));
      const d = recordRestart(history, clock.now(), { maxRestarts: 10, window: 180_000 });
      history = d.history;
      tripped = d.tripped;
      restarts++;
    }
    expect(tripped).toBe(true);
    expect(restarts).toBe(11);
  });
});
