// delayToGrid: the daemon's periodic chores (heartbeat, last-known-good tick, pending events) wake it together.
import { describe, expect, it } from 'vitest';
import { delayToGrid, FakeClock } from '../../src/platform/clock.js';

describe('delayToGrid', () => {
  const at = (t: number) => ({ monotonic: () => t });

  it('waits for the next multiple of the period, at least half a period away', () => {
    expect(delayToGrid(at(0), 2000)).toBe(2000);
    expect(delayToGrid(at(700), 2000)).toBe(1300);
    expect(delayToGrid(at(1000), 2000)).toBe(1000);
    // Just before a grid point (a timer that fired a little early): the point after it, not a second run now.
    expect(delayToGrid(at(1999.5), 2000)).toBe(2000.5);
    expect(delayToGrid(at(10_003), 2000)).toBe(1997);
  });

  it('three chores started at different moments end up firing at the same instants, each within 0.5-1.5 periods', () => {
    const clock = new FakeClock(1_000_000);
    const fired: number[][] = [[], [], []];
    const start = (i: number): void => {
      const loop = (): void => {
        clock.setTimeout(() => {
          fired[i]!.push(clock.monotonic());
          loop();
        }, delayToGrid(clock, 2000));
      };
      loop();
    };
    start(0);
    clock.advance(333);
    start(1);
    clock.advance(1234);
    start(2);
    for (let i = 0; i < 20; i++) clock.advance(500);
    const tail = fired.map((f) => f.slice(-4));
    expect(tail[1]).toEqual(tail[0]);
    expect(tail[2]).toEqual(tail[0]);
    for (const f of fired) {
      for (let i = 1; i < f.length; i++) {
        expect(f[i]! - f[i - 1]!).toBeGreaterThanOrEqual(1000);
        expect(f[i]! - f[i - 1]!).toBeLessThanOrEqual(3000);
      }
      for (const t of f) expect(t % 2000).toBe(0);
    }
  });
});
