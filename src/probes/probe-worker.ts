// Runs one probe of one service on its interval: bounded checks, no overlap, thresholds, grace, verdicts.
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { ProbeScheduler, ScheduledSlot } from './probe-scheduler.js';
import type { ProbeAction, ProbeConfig } from './probe-schema.js';
import { probeTimeoutReason, type Probe, type ProbeResult, type ProbeTarget } from './probe-types.js';
import { applyResult, inGrace, initialThresholdState, type ThresholdPolicy, type ThresholdState, type Verdict } from './thresholds.js';

export type { Verdict } from './thresholds.js';

/** A check that ignores its aborted signal is abandoned this long after the timeout (result unknown). */
const ABANDON_AFTER_ABORT_MS = 1_000;
/** Upper bound of the random start offset, so the probes of many services do not fire together. */
const MAX_START_OFFSET_MS = 1_000;
/**
 * A deadline that fires this late (or later) means the daemon itself was stalled (a blocked event
 * loop, a starved CPU): the service may well have answered meanwhile, so a failure from that check is
 * reported as unknown instead of counting towards a restart.
 */
export function stallToleranceMs(timeoutMs: number): number {
  return Math.max(250, timeoutMs / 2);
}

/** One finished check, reported on every tick. */
export interface ProbeTickReport {
  name: string;
  kind: string;
  action: ProbeAction;
  result: ProbeResult;
  /** Epoch ms when the check finished. */
  at: number;
  durationMs: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  verdict: Verdict;
  inGrace: boolean;
}

/** A change of verdict: 'unhealthy' asks for `action`; 'healthy' means the instance passes (again). */
export interface ProbeVerdict {
  name: string;
  kind: string;
  action: ProbeAction;
  verdict: 'healthy' | 'unhealthy';
  previous: Verdict;
  /** The result that tipped it. */
  result: ProbeResult;
  at: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export interface ProbeSnapshot {
  name: string;
  kind: string;
  action: ProbeAction;
  lastResult: ProbeResult | undefined;
  lastCheckedAt: number | undefined;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  verdict: Verdict;
  inGrace: boolean;
}

export interface ProbeWorkerOptions {
  config: ProbeConfig;
  probe: Probe;
  clock: Clock;
  /** The current instance, read at each tick; undefined (no instance, e.g. restarting) skips the tick. */
  target: () => ProbeTarget | undefined;
  onResult: (report: ProbeTickReport) => void;
  onVerdict: (verdict: ProbeVerdict) => void;
  /** [0, 1), for the start offset; Math.random by default. */
  random?: () => number;
  /** A callback threw; by default a process warning is emitted and the worker carries on. */
  onError?: (err: unknown) => void;
  /**
   * The daemon's one scheduler for every probe (one timer instead of one per probe, lateness recorded);
   * without it the worker sets its own clock timers.
   */
  scheduler?: ProbeScheduler;
}

interface InFlight {
  controller: AbortController;
  generation: number;
  /** Monotonic ms when the check's deadline is due, and how late it fired (undefined: it did not). */
  deadlineAt: number;
  deadlineLateMs?: number;
}

export class ProbeWorker {
  private readonly opts: ProbeWorkerOptions;
  private readonly policy: ThresholdPolicy;
  private state: ThresholdState;
  private running = false;
  /** Bumped by stop and resetForNewInstance: a check of an older generation is discarded. */
  private generation = 0;
  private timer: TimerHandle | undefined;
  private inFlight: InFlight | undefined;
  private lastResult: ProbeResult | undefined;
  private lastCheckedAt: number | undefined;
  /** Reused every tick: the next tick, and the running check's deadline (undefined without a scheduler). */
  private readonly tickSlot: ScheduledSlot | undefined;
  private readonly deadlineSlot: ScheduledSlot | undefined;
  private readonly onDue = (): void => {
    this.timer = undefined;
    void this.tick();
  };
  private readonly onDeadline = (): void => {
    const mine = this.inFlight;
    if (!mine) return;
    mine.deadlineLateMs = Math.max(0, this.opts.clock.monotonic() - mine.deadlineAt);
    mine.controller.abort(probeTimeoutReason(this.opts.config.timeout));
  };

  constructor(opts: ProbeWorkerOptions) {
    this.opts = opts;
    this.tickSlot = opts.scheduler?.slot(this.onDue);
    this.deadlineSlot = opts.scheduler?.slot(this.onDeadline, { recordLateness: false });
    this.policy = {
      failureThreshold: opts.config.failureThreshold,
      successThreshold: opts.config.successThreshold,
      startupGrace: opts.config.startupGrace,
      latchUnhealthy: opts.config.action === 'restart',
    };
    this.state = initialThresholdState(opts.clock.now());
  }

  /** Starts ticking after a random offset; the grace starts now. No-op when running. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    this.state = initialThresholdState(this.opts.clock.now());
    this.scheduleIfIdle(this.startOffset());
  }

  /** Cancels the timer and aborts an in-flight check; nothing is reported afterwards. Idempotent. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.timer?.cancel();
    this.timer = undefined;
    this.inFlight?.controller.abort(abortReason('probe worker stopped'));
    this.opts.probe.dispose?.();
  }

  /** A new instance exists (after a restart): counters reset, the grace starts over, verdicts flow again. */
  resetForNewInstance(): void {
    this.generation++;
    this.state = initialThresholdState(this.opts.clock.now());
    this.inFlight?.controller.abort(abortReason('instance replaced'));
    if (!this.running) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.scheduleIfIdle(this.startOffset());
  }

  snapshot(): ProbeSnapshot {
    const now = this.opts.clock.now();
    return {
      name: this.opts.config.name,
      kind: this.opts.config.kind,
      action: this.opts.config.action,
      lastResult: this.lastResult,
      lastCheckedAt: this.lastCheckedAt,
      consecutiveFailures: this.state.consecutiveFailures,
      consecutiveSuccesses: this.state.consecutiveSuccesses,
      verdict: this.state.verdict,
      inGrace: inGrace(this.state, this.policy, now),
    };
  }

  private startOffset(): number {
    const random = this.opts.random ?? Math.random;
    return Math.floor(random() * Math.min(this.opts.config.interval, MAX_START_OFFSET_MS));
  }

  /** Exactly one of {timer, in-flight check} exists while running: whoever finds neither schedules. */
  private scheduleIfIdle(delay: number): void {
    if (!this.running || this.timer !== undefined || this.inFlight !== undefined) return;
    if (this.tickSlot) {
      this.tickSlot.at(delay);
      this.timer = this.tickSlot;
    } else this.timer = this.opts.clock.setTimeout(this.onDue, delay);
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    // Unhealthy with action restart: this instance is judged; wait for resetForNewInstance.
    if (this.state.verdict === 'unhealthy' && this.policy.latchUnhealthy) return;
    const { clock, config } = this.opts;
    let target: ProbeTarget | undefined;
    try {
      target = this.opts.target();
    } catch (err) {
      this.deliver(() => {
        throw err;
      });
    }
    if (target === undefined) {
      this.scheduleIfIdle(config.interval);
      return;
    }

    const started = clock.monotonic();
    const mine: InFlight = { controller: new AbortController(), generation: this.generation, deadlineAt: started + config.timeout };
    this.inFlight = mine;
    // The deadline starts when the check itself starts: time the daemon spent before that (a long
    // microtask queue at many services) is the daemon's, not the service's.
    let timeout: TimerHandle | undefined;
    const armDeadline = (): void => {
      mine.deadlineAt = clock.monotonic() + config.timeout;
      if (this.deadlineSlot) {
        this.deadlineSlot.at(config.timeout);
        timeout = this.deadlineSlot;
      } else timeout = clock.setTimeout(this.onDeadline, config.timeout);
    };
    let result: ProbeResult;
    try {
      result = await this.runCheck(target, mine.controller.signal, armDeadline);
    } finally {
      timeout?.cancel();
      if (this.inFlight === mine) this.inFlight = undefined;
    }
    const durationMs = clock.monotonic() - started;
    if (mine.deadlineLateMs !== undefined && mine.deadlineLateMs >= stallToleranceMs(config.timeout) && result.status === 'failure') {
      result = {
        status: 'unknown',
        message: `the daemon was stalled: this check's ${config.timeout} ms deadline fired ${Math.round(mine.deadlineLateMs)} ms late, so its result (${result.message}) does not count`,
        latencyMs: durationMs,
        details: { stalledMs: Math.round(mine.deadlineLateMs), discarded: result.finding ?? null },
      };
    }

    if (mine.generation !== this.generation) {
      // Stopped or reset meanwhile: the result belongs to an older instance.
      this.scheduleIfIdle(this.startOffset());
      return;
    }
    const now = clock.now();
    const previous = this.state.verdict;
    const step = applyResult(this.state, result.status, now, this.policy);
    this.state = step.state;
    this.lastResult = result;
    this.lastCheckedAt = now;

    this.deliver(() =>
      this.opts.onResult({
        name: config.name,
        kind: config.kind,
        action: config.action,
        result,
        at: now,
        durationMs,
        consecutiveFailures: this.state.consecutiveFailures,
        consecutiveSuccesses: this.state.consecutiveSuccesses,
        verdict: this.state.verdict,
        inGrace: inGrace(this.state, this.policy, now),
      }),
    );
    if (step.changed !== undefined && mine.generation === this.generation) {
      const changed = step.changed;
      this.deliver(() =>
        this.opts.onVerdict({
          name: config.name,
          kind: config.kind,
          action: config.action,
          verdict: changed,
          previous,
          result,
          at: now,
          consecutiveFailures: this.state.consecutiveFailures,
          consecutiveSuccesses: this.state.consecutiveSuccesses,
        }),
      );
    }
    // A callback may have stopped or reset the worker; the next tick is due one interval after this one began.
    if (mine.generation === this.generation) this.scheduleIfIdle(Math.max(0, config.interval - durationMs));
    else this.scheduleIfIdle(this.startOffset());
  }

  /** The probe's answer, or unknown if it threw or ignored its aborted signal. */
  private runCheck(target: ProbeTarget, signal: AbortSignal, armDeadline: () => void): Promise<ProbeResult> {
    const { clock, probe } = this.opts;
    return new Promise<ProbeResult>((resolve) => {
      let settled = false;
      let abandon: TimerHandle | undefined;
      const settle = (r: ProbeResult): void => {
        if (settled) return;
        settled = true;
        abandon?.cancel();
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = (): void => {
        abandon = clock.setTimeout(
          () => settle({ status: 'unknown', message: `the ${probe.kind} probe did not stop after its timeout` }),
          ABANDON_AFTER_ABORT_MS,
        );
      };
      signal.addEventListener('abort', onAbort, { once: true });
      Promise.resolve()
        .then(() => {
          armDeadline();
          return probe.check(target, signal);
        })
        .then(settle, (err: unknown) =>
          settle({ status: 'unknown', message: `the ${probe.kind} probe failed to run: ${err instanceof Error ? err.message : String(err)}` }),
        );
    });
  }

  private deliver(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (this.opts.onError) this.opts.onError(err);
      else process.emitWarning(`probe ${this.opts.config.name}: a result callback threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function abortReason(message: string): Error {
  const err = new Error(message);
  err.name = 'AbortError';
  return err;
}
