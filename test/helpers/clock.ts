// Test clocks: the system clock with a wall reading that steps as NTP or `date -s` does.
import { systemClock, type Clock, type TimerHandle } from '../../src/platform/clock.js';

export const HOUR = 3_600_000;

/** The system clock whose wall reading can be stepped; timers and monotonic time are untouched. */
export function steppableClock(): Clock & { step(ms: number): void } {
  const base = systemClock();
  let offset = 0;
  return { ...base, now: () => base.now() + offset, step: (ms) => void (offset += ms) };
}

/**
 * The system clock that a test can move forward at once (all three readings together, as time passing does, not as a
 * step of the wall clock): timers due by then fire now, the others keep their due time. Child processes keep real time.
 */
export function jumpableClock(): Clock & { jump(ms: number): void } {
  const base = systemClock();
  let offset = 0;
  interface Timer {
    due: number;
    fn: () => void;
    handle?: TimerHandle;
  }
  const timers = new Set<Timer>();
  const monotonic = (): number => base.monotonic() + offset;
  const arm = (t: Timer): void => {
    t.handle = base.setTimeout(() => {
      timers.delete(t);
      t.fn();
    }, Math.max(0, t.due - monotonic()));
  };
  const setTimeout = (fn: () => void, ms: number): TimerHandle => {
    const t: Timer = { due: monotonic() + Math.max(0, ms), fn };
    timers.add(t);
    arm(t);
    return {
      cancel: () => {
        t.handle?.cancel();
        timers.delete(t);
      },
    };
  };
  const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
      const onAbort = (): void => {
        h.cancel();
        reject(signal?.reason ?? new Error('aborted'));
      };
      const h = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  return {
    now: () => base.now() + offset,
    monotonic,
    sinceBoot: () => (base.sinceBoot ? base.sinceBoot() : base.monotonic()) + offset,
    setTimeout,
    sleep,
    jump(ms) {
      offset += ms;
      for (const t of [...timers]) {
        t.handle?.cancel();
        arm(t);
      }
    },
  };
}
