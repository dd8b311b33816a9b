// clawback_daemon_event_loop_lag_seconds is a read that consumes nothing: every scraper sees a block, for a minute.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LATENESS_WINDOW_MS, latenessRecordingClock, type Clock } from '../../src/platform/clock.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { parseExposition, sample } from './exposition.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

/** A base clock whose timers run only when the test says, at the monotonic time it set: lateness on demand. */
function handClock(): Clock & { at: number; fire(): void } {
  const due: Array<() => void> = [];
  const c = {
    at: 1_000_000,
    now: () => c.at,
    monotonic: () => c.at,
    setTimeout(fn: () => void) {
      due.push(fn);
      return { cancel: () => undefined };
    },
    sleep: () => Promise.resolve(),
    fire() {
      for (const fn of due.splice(0)) fn();
    },
  };
  return c;
}

describe('event-loop lag over a fixed recent window', () => {
  it('two daemon scrapes after a block both read it (the first one no longer takes it from the second)', async () => {
    td = await startTestDaemon({ services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const port = td.daemon.api!.port;
    const lag = async (): Promise<number> => sample(parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()), 'clawback_daemon_event_loop_lag_seconds') ?? -1;
    // Block the loop (the daemon runs in this process) until one of its timers, the 500 ms heartbeat, is due.
    const until = Date.now() + 1200;
    while (Date.now() < until) {
      // Block the event loop on purpose.
    }
    await waitFor(async () => (await lag()) > 0.3, { timeoutMs: 10_000 });
    const first = await lag();
    const second = await lag();
    expect(first).toBeGreaterThan(0.3);
    expect(second).toBe(first);
  }, 30_000);

  it('keeps the worst lateness for LATENESS_WINDOW_MS and forgets it after', () => {
    const base = handClock();
    const clock = latenessRecordingClock(base);
    clock.setTimeout(() => undefined, 100);
    base.at += 100 + 800;
    base.fire();
    expect(clock.worstLateMs()).toBe(800);
    expect(clock.worstLateMs()).toBe(800);
    // A later, smaller lateness does not hide it.
    clock.setTimeout(() => undefined, 10);
    base.at += 10 + 5;
    base.fire();
    base.at += LATENESS_WINDOW_MS / 2;
    expect(clock.worstLateMs()).toBe(800);
    // A full window after the block: gone; the small one went with its slot too, once a window old.
    base.at += LATENESS_WINDOW_MS;
    expect(clock.worstLateMs()).toBe(0);
  });
});
