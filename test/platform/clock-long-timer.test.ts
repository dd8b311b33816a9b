// A delay beyond Node's 32-bit timer limit (a maintenance of 30 days) waits that long, not 1 ms: Node's setTimeout
// fires such a delay at once, and the service runtime re-armed its wake-up every millisecond until the deadline.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, systemClock } from '../../src/platform/clock.js';

const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('the system clock and delays longer than 24.8 days', () => {
  it('setTimeout fires after the whole delay, once, and can be cancelled while it waits in steps', () => {
    vi.useFakeTimers();
    const clock = systemClock();
    let fired = 0;
    clock.setTimeout(() => fired++, 30 * DAY);
    vi.advanceTimersByTime(1000);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(30 * DAY - MAX_TIMER_MS - 1001);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    vi.advanceTimersByTime(100 * DAY);
    expect(fired).toBe(1);

    const cancelled = clock.setTimeout(() => fired++, 60 * DAY);
    vi.advanceTimersByTime(MAX_TIMER_MS + 5);
    cancelled.cancel();
    vi.advanceTimersByTime(100 * DAY);
    expect(fired).toBe(1);
  });

  it('sleep waits the whole delay and an abort still ends it', async () => {
    vi.useFakeTimers();
    const clock = systemClock();
    let done = false;
    void clock.sleep(40 * DAY).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(40 * DAY);
    expect(done).toBe(true);

    const abort = new AbortController();
    const slept = clock.sleep(40 * DAY, abort.signal);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 5);
    abort.abort(new Error('stop'));
    await expect(slept).rejects.toThrow('stop');
  });
});
