// Time as a dependency: policy code runs on a fake clock in tests, processes on the real one.
import { uptime } from 'node:os';

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds, for measuring durations. */
  monotonic(): number;
  /**
   * Milliseconds since boot, counting the time the machine slept (which the monotonic clock does not): tells a sleep
   * from a step of the wall clock. Absent: every step counts as one.
   */
  sinceBoot?(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Resolves after ms, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Delay to the next multiple of periodMs on the monotonic clock that is at least half a period away, so the
 * daemon's periodic chores (heartbeat, last-known-good tick, pending events) share one wake-up instead of each
 * drifting on its own; the half period absorbs a timer that fires a little before its grid point. The gap
 * between two runs stays within 0.5-1.5 periods.
 */
export function delayToGrid(clock: Pick<Clock, 'monotonic'>, periodMs: number): number {
  const next = periodMs - (clock.monotonic() % periodMs);
  return next < periodMs / 2 ? next + periodMs : next;
}

/** A watch for steps of the wall clock (see clockStepWatch). */
export interface ClockStepWatch {
  /** The wall clock's step (ms, negative: back) since the previous call, 0 when it moved as the monotonic clock did. */
  take(): number;
}

/**
 * Notices a step of the wall clock (NTP, a person's `date -s`, a VM re-synced after a resume): between two calls the
 * wall clock moves as the monotonic one does, and a difference of toleranceMs or more is a step. Slewing (at most
 * 0.5 ms/s) stays far below it and is absorbed at every call.
 */
export function clockStepWatch(clock: Pick<Clock, 'now' | 'monotonic' | 'sinceBoot'>, toleranceMs = 1000): ClockStepWatch {
  // The wall clock is read between two monotonic readings, against their midpoint: a preemption between two reads
  // (a loaded machine) would otherwise show up as a step of its length, and move every deadline by it.
  const read = (): { w: number; m: number } => {
    const m0 = clock.monotonic();
    const w = clock.now();
    return { w, m: (m0 + clock.monotonic()) / 2 };
  };
  let { w: wall, m: mono } = read();
  // The machine's sleep is read only when a step is seen (a syscall); the boot clock minus the monotonic one grows
  // by exactly the time slept, so its growth since the last look is the sleep inside the step.
  const slept = (): number => (clock.sinceBoot ? clock.sinceBoot() - clock.monotonic() : 0);
  let sleptBefore = clock.sinceBoot ? slept() : 0;
  return {
    take() {
      const { w, m } = read();
      let step = w - wall - (m - mono);
      wall = w;
      mono = m;
      if (Math.abs(step) < toleranceMs) return 0;
      // A laptop or Mac mini that slept: its wall clock went on while the monotonic clock stood still. That time did
      // pass (a maintenance window or a restart history ages through it); only what is left over is a step.
      if (clock.sinceBoot) {
        const now = slept();
        step -= now - sleptBefore;
        sleptBefore = now;
      }
      return Math.abs(step) >= toleranceMs ? Math.round(step) : 0;
    },
  };
}

/** A clock whose timers record how late they fired (see latenessRecordingClock). */
export interface LatenessRecordingClock extends Clock {
  /**
   * The worst lateness (ms) of a timer of this clock within the last LATENESS_WINDOW_MS, 0 when none was late. A read
   * consumes nothing: the dashboard, a second Prometheus or a test all see the same spike (a read that reset it left
   * the next scraper a 0 and the alert never saw the block).
   */
  worstLateMs(): number;
  /**
   * A pause of the daemon not yet taken, once per pause: its timers fired minMs or more late on the monotonic clock (a
   * SIGSTOP, a debugger, a frozen VM or container, a blocked event loop), or the boot clock ran minMs or more ahead of
   * the monotonic one (the machine slept: the monotonic clock stands still then, so no timer looks late).
   */
  takePause(minMs: number): DaemonPause | undefined;
}

/** How long the daemon stood still, and why as far as the clocks tell. */
export interface DaemonPause {
  ms: number;
  /** `paused`: the process did not run while the machine did; `slept`: the machine slept; `unknown`: no boot clock. */
  kind: 'paused' | 'slept' | 'unknown';
}

/** How far back the lateness read looks: one minute, the longest usual scrape interval, in LATENESS_SLOTS slots. */
export const LATENESS_WINDOW_MS = 60_000;
const LATENESS_SLOTS = 6;

/**
 * The daemon's event-loop lag, measured on the work it had due: every timer of the returned clock (each probe
 * tick, the heartbeat, the chores) records how long after its due time it ran. Unlike a sampling timer of its
 * own (monitorEventLoopDelay at 100 ms: ten wake-ups a second, 7 % of an idle daemon's CPU), it costs no
 * wake-up; a block is seen when it delays something that was due, which at the demo rhythm (a memory probe
 * every 500 ms, the heartbeat every 2 s) is every block of 500 ms or more. The worst per 10 s slot is kept for the
 * last minute (six numbers), so reading it is a max over a fixed recent window, the same for every reader.
 */
export function latenessRecordingClock(base: Clock): LatenessRecordingClock {
  const slotMs = LATENESS_WINDOW_MS / LATENESS_SLOTS;
  // slots[i]: the worst lateness of the slot numbered ids[i] (monotonic time / slotMs), reused round-robin.
  const ids = new Array<number>(LATENESS_SLOTS).fill(-Infinity);
  const slots = new Array<number>(LATENESS_SLOTS).fill(0);
  // The worst lateness not yet taken, and the monotonic time up to which a late timer belongs to a pause already told:
  // every timer due before the wake-up that told a pause was late because of that pause, not another one.
  let pauseLate = 0;
  let pauseAt = -Infinity;
  let toldUntil = -Infinity;
  const sleptNow = (): number => (base.sinceBoot ? base.sinceBoot() - base.monotonic() : 0);
  let sleptBefore = sleptNow();
  const record = (at: number, late: number): void => {
    const id = Math.floor(at / slotMs);
    const i = ((id % LATENESS_SLOTS) + LATENESS_SLOTS) % LATENESS_SLOTS;
    if (ids[i] !== id) {
      ids[i] = id;
      slots[i] = 0;
    }
    if (late > slots[i]!) slots[i] = late;
  };
  return {
    now: () => base.now(),
    monotonic: () => base.monotonic(),
    ...(base.sinceBoot ? { sinceBoot: () => base.sinceBoot!() } : {}),
    sleep: (ms, signal) => base.sleep(ms, signal),
    setTimeout(fn, ms) {
      // Node runs a timer of under 1 ms after 1 ms.
      const due = base.monotonic() + Math.max(1, ms);
      return base.setTimeout(() => {
        const at = base.monotonic();
        const late = at - due;
        if (late > 0) record(at, late);
        if (late > pauseLate && due >= toldUntil) {
          pauseLate = late;
          pauseAt = at;
        }
        fn();
      }, ms);
    },
    takePause(minMs) {
      const slept = sleptNow();
      const sleptMs = slept - sleptBefore;
      if (sleptMs >= minMs) {
        // The boot clock counts the sleep, the monotonic one not: the whole growth is the time slept.
        sleptBefore = slept;
        toldUntil = Math.max(toldUntil, base.monotonic());
        pauseLate = 0;
        return { ms: Math.round(sleptMs), kind: 'slept' };
      }
      if (pauseLate < minMs) return undefined;
      const ms = Math.round(pauseLate);
      toldUntil = pauseAt;
      pauseLate = 0;
      // Growth of the boot clock's lead below minMs is its coarse resolution (os.uptime), not a sleep: kept for later.
      return { ms, kind: base.sinceBoot ? 'paused' : 'unknown' };
    },
    worstLateMs() {
      // The current slot and the LATENESS_SLOTS - 1 before it: 50-60 s back, never older.
      const current = Math.floor(base.monotonic() / slotMs);
      let worst = 0;
      for (let i = 0; i < LATENESS_SLOTS; i++) if (ids[i]! > current - LATENESS_SLOTS && slots[i]! > worst) worst = slots[i]!;
      return worst;
    },
  };
}

/** The longest delay Node's setTimeout keeps; a longer one fires after 1 ms (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * setTimeout for any delay: one longer than MAX_TIMER_MS (a maintenance of 30 days) waits in steps. Given to Node
 * as is, it fired after 1 ms, and the service's wake-up re-armed it at once: a tick every millisecond until the end.
 */
function longTimeout(fn: () => void, ms: number): TimerHandle {
  let t: ReturnType<typeof setTimeout>;
  const arm = (left: number): void => {
    t = left > MAX_TIMER_MS ? setTimeout(() => arm(left - MAX_TIMER_MS), MAX_TIMER_MS) : setTimeout(fn, Math.max(0, left));
  };
  arm(ms);
  return { cancel: () => clearTimeout(t) };
}

export function systemClock(): Clock {
  return {
    now: () => Date.now(),
    monotonic: () => performance.now(),
    // Linux: CLOCK_BOOTTIME (/proc/uptime); macOS: now minus kern.boottime, which the kernel moves with a set clock.
    sinceBoot: () => uptime() * 1000,
    setTimeout: longTimeout,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason ?? new Error('aborted'));
          return;
        }
        const onAbort = (): void => {
          t.cancel();
          reject(signal?.reason ?? new Error('aborted'));
        };
        const t = longTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A manually advanced clock for tests of policy code. */
export class FakeClock implements Clock {
  private current: number;
  /** stepWall: how far the wall clock (now) stands from the monotonic one. */
  private wallOffset = 0;
  /** sleepMachine: the time slept, which the boot clock counts and the monotonic one does not. */
  private slept = 0;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current + this.wallOffset;
  }

  monotonic(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: FakeTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return {
      cancel: () => {
        this.timers = this.timers.filter((t) => t !== timer);
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason ?? new Error('aborted'));
        return;
      }
      const handle = this.setTimeout(resolve, ms);
      signal?.addEventListener(
        'abort',
        () => {
          handle.cancel();
          reject(signal.reason ?? new Error('aborted'));
        },
        { once: true },
      );
    });
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = due.at;
      due.fn();
    }
    this.current = target;
  }

  /** Steps the wall clock (now) by ms, as NTP or `date -s` does; the monotonic clock and the timers are not moved. */
  stepWall(ms: number): void {
    this.wallOffset += ms;
  }

  sinceBoot(): number {
    return this.current + this.slept;
  }

  /** The machine sleeps for ms: the wall and boot clocks move on, the monotonic clock and its timers stand still. */
  sleepMachine(ms: number): void {
    this.wallOffset += ms;
    this.slept += ms;
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}
