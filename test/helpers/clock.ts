// Test clocks: the system clock with a wall reading that steps as NTP or `date -s` does.
import { systemClock, type Clock } from '../../src/platform/clock.js';

export const HOUR = 3_600_000;

/** The system clock whose wall reading can be stepped; timers and monotonic time are untouched. */
export function steppableClock(): Clock & { step(ms: number): void } {
  const base = systemClock();
  let offset = 0;
  return { ...base, now: () => base.now() + offset, step: (ms) => void (offset += ms) };
}
