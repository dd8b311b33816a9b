import { describe, expect, it } from 'vitest';
import { FakeClock, systemClock, type Clock, type TimerHandle } from '../../src/platform/clock.js';
import { gridForInterval, ProbeScheduler, syncGridForInterval } from '../../src/probes/probe-scheduler.js';
import { probeSchema, type ProbeConfig } from '../../src/probes/probe-schema.js';
import { ProbeWorker } from '../../src/probes/probe-worker.js';
import type { Probe, ProbeResult, ProbeTarget } from '../../src/probes/probe-types.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A FakeClock that counts the timers set on it (the scheduler must keep at most one). */
class CountingClock extends FakeClock {
  set = 0;
  override setTimeout(fn: () => void, ms: number): TimerHandle {
    this.set++;
    return super.setTimeout(fn, ms);
  }
}

/** A FakeClock whose readings can trail its timers, like a loop that was blocked when the timer came due. */
class LaggyClock extends FakeClock {
  lag = 0;
  override monotonic(): number {
    return super.monotonic() + this.lag;
  }
}

describe('probe scheduler (one timer for every probe)', () => {
  it('fires in due order, equal times in arming order, with one clock timer at a time', () => {
    const clock = new CountingClock(0);
    const s = new ProbeScheduler(clock, { resolutionMs: 1 });
    const fired: string[] = [];
    for (const [name, delay] of [['c', 300], ['a', 100], ['b', 200], ['a2', 100], ['d', 0]] as const) s.slot(() => fired.push(`${name}@${clock.monotonic()}`)).at(delay);
    expect(clock.pendingTimers()).toBe(1);
    expect(s.pending).toBe(5);
    clock.advance(1000);
    expect(fired).toEqual(['d@0', 'a@100', 'a2@100', 'b@200', 'c@300']);
    expect(clock.pendingTimers()).toBe(0);
    expect(s.pending).toBe(0);
  });

  it('cancel removes a slot; re-arming moves it; a slot re-armed from its own callback runs again', () => {
    const clock = new FakeClock(0);
    const s = new ProbeScheduler(clock, { resolutionMs: 1 });
    const fired: string[] = [];
    const a = s.slot(() => fired.push(`a@${clock.monotonic()}`));
    const b = s.slot(() => fired.push(`b@${clock.monotonic()}`));
    let n = 0;
    const c = s.slot(() => {
      fired.push(`c@${clock.monotonic()}`);
      if (++n < 3) c.at(250);
    });
    a.at(100);
    b.at(200);
    c.at(50);
    a.cancel();
    a.cancel(); // idempotent
    b.at(400); // moved later
    expect(a.armed).toBe(false);
    clock.advance(1000);
    expect(fired).toEqual(['c@50', 'c@300', 'b@400', 'c@550']);
    // Cancelling the earliest slot moves the one clock timer to the next.
    const clock2 = new FakeClock(0);
    const s2 = new ProbeScheduler(clock2, { resolutionMs: 1 });
    const x = s2.slot(() => fired.push('x'));
    s2.slot(() => fired.push(`y@${clock2.monotonic()}`)).at(500);
    x.at(10);
    x.cancel();
    expect(clock2.pendingTimers()).toBe(1);
    clock2.advance(499);
    expect(fired.at(-1)).toBe('c@550');
    clock2.advance(1);
    expect(fired.at(-1)).toBe('y@500');
    s2.stop();
    expect(clock2.pendingTimers()).toBe(0);
  });

  it('ticks close together share one wake-up on the resolution grid', () => {
    const clock = new CountingClock(0);
    const s = new ProbeScheduler(clock, { resolutionMs: 10 });
    const fired: number[] = [];
    // 5..14 ms round to the 10 ms point; 15 to the 20 ms one.
    for (let d = 5; d <= 14; d++) s.slot(() => fired.push(clock.monotonic())).at(d);
    s.slot(() => fired.push(clock.monotonic())).at(15);
    clock.advance(100);
    expect(fired).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 20]);
    expect(clock.set).toBe(2);
  });

  it('a slot on a coarser grid: ticks to the nearest point, deadlines to the next one (never early), lateness from the grid point', () => {
    expect([5000, 1000, 999, 500, 250, 199, 100, 50].map(gridForInterval)).toEqual([100, 100, 50, 50, 20, 10, 10, 10]);
    const clock = new CountingClock(0);
    const s = new ProbeScheduler(clock, { resolutionMs: 10 });
    const fired: string[] = [];
    // Ticks asked for at 1040..1060 ms on a 100 ms grid share one wake-up at 1000 or 1100.
    for (const d of [1040, 1049, 1050, 1060]) s.slot(() => fired.push(`tick${d}@${clock.monotonic()}`), { resolutionMs: 100 }).at(d);
    // A deadline asked for at 1001 ms fires at 1100, never before its time.
    s.slot(() => fired.push(`deadline@${clock.monotonic()}`), { resolutionMs: 100, recordLateness: false }).at(1001);
    clock.advance(2000);
    expect(fired).toEqual(['tick1040@1000', 'tick1049@1000', 'tick1050@1100', 'tick1060@1100', 'deadline@1100']);
    // Two wake-ups for five slots; the shift to the grid is not counted as lateness.
    expect(clock.set).toBe(2);
    expect(s.latency().maxMs).toBe(0);
  });

  it('records how late each tick fired (against the time asked for) but not deadlines', () => {
    const clock = new LaggyClock(0);
    const s = new ProbeScheduler(clock, { resolutionMs: 1 });
    const slot = s.slot(() => undefined);
    const deadline = s.slot(() => undefined, { recordLateness: false });
    // Fire on time 98 times, then twice 150 ms late (the clock is advanced in one jump past the due time).
    for (let i = 0; i < 98; i++) {
      slot.at(10);
      clock.advance(10);
    }
    deadline.at(5);
    clock.advance(5);
    for (let i = 0; i < 2; i++) {
      slot.at(10);
      clock.advance(9);
      clock.lag = 150; // the loop was blocked: the timer runs 150 ms after its time
      clock.advance(1);
      clock.lag = 0;
    }
    const st = s.latency();
    expect(st.count).toBe(100);
    expect(st.p50Ms).toBe(1);
    expect(st.maxMs).toBeGreaterThanOrEqual(150);
    expect(st.buckets.find((b) => b.leMs === 100)!.count).toBe(98);
    expect(st.buckets.find((b) => b.leMs === 200)!.count).toBe(100);
    expect(st.p99Ms).toBe(200);
  });

  it('drives probe workers: random start offsets kept, then one tick per interval, timeouts, stop', async () => {
    const clock = new CountingClock(0);
    const scheduler = new ProbeScheduler(clock, { resolutionMs: 10 });
    const target: ProbeTarget = { pid: process.pid, startedAt: 0 };
    const cfg: ProbeConfig = probeSchema.parse({ kind: 'tcp', port: 1, interval: '1s', timeout: '300ms', startupGrace: 0 });
    const ticks: Array<{ w: number; at: number }> = [];
    let hang = false;
    const probeFor = (w: number): Probe => ({
      kind: 'scripted',
      check(_t, signal) {
        ticks.push({ w, at: clock.monotonic() });
        if (!hang) return Promise.resolve({ status: 'success', message: 'ok' });
        return new Promise<ProbeResult>((resolve) => signal.addEventListener('abort', () => resolve({ status: 'failure', finding: 'hang', message: 'timed out' })));
      },
    });
    const results: Array<{ w: number; status: string }> = [];
    const workers = [0.1, 0.5, 0.9].map(
      (r, w) =>
        new ProbeWorker({
          config: cfg,
          probe: probeFor(w),
          clock,
          scheduler,
          random: () => r,
          target: () => target,
          onResult: (x) => results.push({ w, status: x.result.status }),
          onVerdict: () => undefined,
        }),
    );
    for (const w of workers) w.start();
    expect(clock.pendingTimers()).toBe(1);
    for (let t = 0; t < 2500; t += 10) {
      clock.advance(10);
      await flush();
    }
    // Offsets 100, 500, 900 ms (random x min(interval, 1 s)), then one interval apart.
    expect(ticks.map((t) => `${t.w}@${t.at}`)).toEqual(['0@100', '1@500', '2@900', '0@1100', '1@1500', '2@1900', '0@2100', '1@2500']);
    expect(clock.pendingTimers()).toBe(1);
    // A check that hangs is cut off by its deadline (a slot of the same scheduler), reported as failure.
    hang = true;
    for (let t = 0; t < 1000; t += 10) {
      clock.advance(10);
      await flush();
    }
    expect(results.filter((r) => r.status === 'failure').length).toBeGreaterThanOrEqual(2);
    // Deadlines do not count as ticks; every tick so far was on time.
    expect(scheduler.latency().maxMs).toBeLessThanOrEqual(10);
    for (const w of workers) w.stop();
    await flush();
    expect(scheduler.pending).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    const before = ticks.length;
    clock.advance(5000);
    await flush();
    expect(ticks.length).toBe(before);
  });
});

describe('a stalled daemon does not judge its services', () => {
  it('a check whose deadline fired far too late is unknown, never a failure towards a restart; an on-time deadline still fails', async () => {
    for (const withScheduler of [true, false]) {
      const clock = new LaggyClock(0);
      const scheduler = withScheduler ? new ProbeScheduler(clock, { resolutionMs: 1 }) : undefined;
      const cfg: ProbeConfig = probeSchema.parse({ kind: 'tcp', port: 1, interval: '1s', timeout: '1s', failureThreshold: 2, startupGrace: 0 });
      const results: ProbeResult[] = [];
      const verdicts: string[] = [];
      // The probe never answers: only its deadline ends each check.
      const probe: Probe = {
        kind: 'silent',
        check: (_t, signal) =>
          new Promise<ProbeResult>((resolve) => signal.addEventListener('abort', () => resolve({ status: 'failure', finding: 'hang', message: 'no response' }))),
      };
      const worker = new ProbeWorker({
        config: cfg,
        probe,
        clock,
        ...(scheduler ? { scheduler } : {}),
        random: () => 0,
        target: () => ({ pid: process.pid, startedAt: 0 }),
        onResult: (r) => results.push(r.result),
        onVerdict: (v) => verdicts.push(v.verdict),
      });
      worker.start();
      // Three checks whose deadlines fire while the loop "was blocked" for 3 s.
      for (let i = 0; i < 3; i++) {
        clock.advance(0); // the tick due now starts its check (and its deadline)
        await flush();
        clock.advance(999);
        await flush();
        clock.lag += 3000;
        clock.advance(1);
        await flush();
        await flush();
      }
      expect(results.length).toBe(3);
      expect(results.every((r) => r.status === 'unknown')).toBe(true);
      expect(results[0]!.message).toMatch(/stalled.*fired 3000 ms late/);
      expect(results[0]!.details).toMatchObject({ stalledMs: 3000, discarded: 'hang' });
      expect(verdicts).toEqual([]);
      // Deadlines on time again: the silent service is a hang, and unhealthy at the threshold.
      for (let i = 0; i < 8; i++) {
        clock.advance(500);
        await flush();
        await flush();
      }
      expect(results.slice(3).filter((r) => r.status === 'failure').length).toBeGreaterThanOrEqual(2);
      expect(verdicts).toEqual(['unhealthy']);
      worker.stop();
    }
  });
});

describe('synchronous probes share one wake-up per interval', () => {
  const target: ProbeTarget = { pid: process.pid, startedAt: 0 };
  it('a grid that divides the interval: the whole interval up to 1 s, else the coarsest of 1000/500/250/200/100 ms', () => {
    expect([500, 1000, 300, 100, 5000, 1500, 2500, 2200, 1234, 50].map(syncGridForInterval)).toEqual([500, 1000, 300, 100, 1000, 500, 500, 200, 100, 10]);
  });

  it('20 memory-style probes with random offsets tick in 2 wake-ups a second, each exactly every 500 ms', async () => {
    const clock = new CountingClock(0);
    const scheduler = new ProbeScheduler(clock);
    const ticks = new Map<number, number[]>();
    const wakeups = new Set<number>();
    const syncProbe = (i: number): Probe => ({
      kind: 'memory',
      check: () => Promise.resolve(syncProbe(i).checkSync!(target)),
      checkSync: () => {
        const now = clock.monotonic();
        wakeups.add(now);
        (ticks.get(i) ?? ticks.set(i, []).get(i)!).push(now);
        return { status: 'success', message: 'ok' };
      },
    });
    const workers = Array.from({ length: 20 }, (_, i) =>
      new ProbeWorker({
        config: probeSchema.parse({ kind: 'memory', limit: '1GiB', interval: 500, startupGrace: 0 }),
        probe: syncProbe(i),
        clock,
        target: () => target,
        onResult: () => undefined,
        onVerdict: () => undefined,
        random: () => (i * 0.37) % 1,
        scheduler,
      }),
    );
    for (const w of workers) w.start();
    for (let t = 0; t < 10_000; t += 10) {
      clock.advance(10);
      await flush();
    }
    for (const w of workers) w.stop();
    // 10 s: 20 or 21 wake-ups for 400 checks, on the 500 ms points only.
    expect(wakeups.size).toBeLessThanOrEqual(21);
    expect([...wakeups].every((t) => t % 500 === 0)).toBe(true);
    for (const list of ticks.values()) {
      expect(list.length).toBeGreaterThanOrEqual(19);
      for (let k = 1; k < list.length; k++) expect(list[k]! - list[k - 1]!).toBe(500);
    }
  });
});

describe('a wake-up that fires many slots sets one clock timer', () => {
  it('20 slots that re-arm themselves (and a deadline each) from their callbacks: one real timer per wake-up, not one per arm', async () => {
    const real = systemClock();
    let set = 0;
    const clock: Clock = { ...real, setTimeout: (fn, ms) => (set++, real.setTimeout(fn, ms)) };
    const scheduler = new ProbeScheduler(clock);
    const wakeups = new Set<number>();
    let fired = 0;
    const slots = Array.from({ length: 20 }, () => {
      const deadline = scheduler.slot(() => undefined, { recordLateness: false, resolutionMs: 50 });
      const tick = scheduler.slot(
        () => {
          fired++;
          wakeups.add(tick.due);
          if (fired > 60) return;
          deadline.at(1000);
          tick.at(100);
        },
        { resolutionMs: 100 },
      );
      return { tick, deadline };
    });
    // Each slot armed before the first wake-up: start from one timer.
    for (const s of slots) s.tick.at(100);
    const armedBefore = set;
    for (let i = 0; i < 100 && fired <= 60; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    scheduler.stop();
    expect(fired).toBeGreaterThan(60);
    // One timer per wake-up (the next one, set after the callbacks), where each of the 40 arms of a wake-up set its own.
    expect(set - armedBefore).toBeLessThanOrEqual(wakeups.size + 1);
  });
});
