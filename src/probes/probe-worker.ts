// Runs one probe of one service on its interval: bounded checks, no overlap, thresholds, grace, verdicts.
import { getEventListeners } from 'node:events';
import type { Clock, TimerHandle } from '../platform/clock.js';
import { gridForInterval, syncGridForInterval, type ProbeScheduler, type ScheduledSlot } from './probe-scheduler.js';
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
  /** Checks in a row that could not run (unknown); 0 after one that judged (undefined: a report made without it). */
  consecutiveUnknowns?: number;
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
  /** The newest failed check (epoch ms) and its finding: a log line is one failed check, gone from lastResult a tick later. */
  lastFailure: { at: number; finding?: string } | undefined;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  consecutiveUnknowns: number;
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
  /** The service's start-up window (startup.timeout) when it applies to this probe: its failures in it are not counted. */
  startupWindow?: number;
}

interface InFlight {
  controller: AbortController;
  generation: number;
  /** Monotonic ms when the check's deadline is due, and how late it fired (undefined: it did not). */
  deadlineAt: number;
  deadlineLateMs?: number;
  /** Monotonic ms when the check began (its deadline armed) and when its answer came: the deadline fires on a grid, the timeout is judged exactly. */
  checkStartedAt?: number;
  answeredAt?: number;
  /** The deadline's handle (armed when the check itself starts). */
  timeout?: TimerHandle;
  /** Resolves the check's promise once (with the probe's answer, or unknown); undefined after it did. */
  settle?: (r: ProbeResult) => void;
  /** After an abort, the check is abandoned (unknown) if it has not answered within ABANDON_AFTER_ABORT_MS. */
  abandon?: TimerHandle;
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
  private lastFailure: { at: number; finding?: string } | undefined;
  /** Checks in a row that could not run, across instances (a restart does not make a probe able to run). */
  private consecutiveUnknowns = 0;
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
    this.abortCheck(mine, probeTimeoutReason(this.opts.config.timeout));
  };
  /**
   * The controller of the next check: kept across checks while nothing aborted it and no listener is
   * left on its signal (an AbortController per check was a visible share of the daemon's garbage).
   */
  private controller: AbortController | undefined;

  constructor(opts: ProbeWorkerOptions) {
    this.opts = opts;
    const resolutionMs = gridForInterval(opts.config.interval);
    // A synchronous probe's ticks share one wake-up with every probe of its interval; deadlines keep the fine grid.
    this.tickSlot = opts.scheduler?.slot(this.onDue, { resolutionMs: opts.probe.checkSync ? syncGridForInterval(opts.config.interval) : resolutionMs });
    this.deadlineSlot = opts.scheduler?.slot(this.onDeadline, { recordLateness: false, resolutionMs });
    this.policy = {
      failureThreshold: opts.config.failureThreshold,
      successThreshold: opts.config.successThreshold,
      startupGrace: opts.config.startupGrace,
      latchUnhealthy: opts.config.action === 'restart',
      ...(opts.startupWindow ? { startupWindow: opts.startupWindow } : {}),
    };
    this.state = initialThresholdState(opts.clock.monotonic());
  }

  /**
   * Starts ticking after a random offset; the grace starts at the instance's start, `startedAgoMs` before now (an adopted
   * instance's grace is not its whole length again, as Kubernetes measures initialDelaySeconds from the container's start).
   * No-op when running.
   */
  start(startedAgoMs = 0): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    this.state = initialThresholdState(this.opts.clock.monotonic() - Math.max(0, startedAgoMs));
    this.scheduleIfIdle(this.startOffset());
  }

  /** Cancels the timer and aborts an in-flight check; nothing is reported afterwards. Idempotent. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.timer?.cancel();
    this.timer = undefined;
    if (this.inFlight) this.abortCheck(this.inFlight, abortReason('probe worker stopped'));
    this.opts.probe.dispose?.();
  }

  /** A new instance exists (after a restart): counters reset, the grace starts over (at its start, `startedAgoMs` ago), verdicts flow again. */
  resetForNewInstance(startedAgoMs = 0): void {
    this.generation++;
    this.state = initialThresholdState(this.opts.clock.monotonic() - Math.max(0, startedAgoMs));
    if (this.inFlight) this.abortCheck(this.inFlight, abortReason('instance replaced'));
    if (!this.running) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.scheduleIfIdle(this.startOffset());
  }

  /**
   * The reducer's start-up window of the current instance: what is left of it from now (0: none, its failures count at
   * once). An adopted instance's window is not its whole length again. No-op for a probe the window does not apply to.
   */
  setStartupWindow(remainingMs: number): void {
    if (!this.policy.startupWindow) return;
    this.state = { ...this.state, startupUntil: this.opts.clock.monotonic() + Math.max(0, remainingMs) };
  }

  snapshot(): ProbeSnapshot {
    return {
      name: this.opts.config.name,
      kind: this.opts.config.kind,
      action: this.opts.config.action,
      lastResult: this.lastResult,
      lastCheckedAt: this.lastCheckedAt,
      lastFailure: this.lastFailure,
      consecutiveFailures: this.state.consecutiveFailures,
      consecutiveSuccesses: this.state.consecutiveSuccesses,
      consecutiveUnknowns: this.consecutiveUnknowns,
      verdict: this.state.verdict,
      inGrace: inGrace(this.state, this.policy, this.opts.clock.monotonic()),
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

  private tick(): Promise<void> | undefined {
    if (!this.running) return undefined;
    const { probe } = this.opts;
    // A synchronous probe (small reads that cannot hang) is checked on the spot: no deadline, signal or promise.
    if (probe.checkSync === undefined || this.state.verdict === 'unhealthy') return this.tickAsync();
    const target = this.currentTarget();
    if (target === undefined) {
      this.scheduleIfIdle(this.opts.config.interval);
      return undefined;
    }
    const started = this.opts.clock.monotonic();
    let result: ProbeResult;
    try {
      result = probe.checkSync(target);
    } catch (err) {
      result = failedToRun(probe.kind, err);
    }
    this.finish(result, this.generation, started);
    return undefined;
  }

  private currentTarget(): ProbeTarget | undefined {
    try {
      return this.opts.target();
    } catch (err) {
      this.deliver(() => {
        throw err;
      });
      return undefined;
    }
  }

  private async tickAsync(): Promise<void> {
    if (!this.running) return;
    // Unhealthy with action restart: this instance is judged; wait for resetForNewInstance.
    if (this.state.verdict === 'unhealthy' && this.policy.latchUnhealthy) return;
    const { clock, config } = this.opts;
    const target = this.currentTarget();
    if (target === undefined) {
      this.scheduleIfIdle(config.interval);
      return;
    }

    const started = clock.monotonic();
    const mine: InFlight = { controller: this.nextController(), generation: this.generation, deadlineAt: started + config.timeout };
    this.inFlight = mine;
    let result: ProbeResult;
    try {
      result = await this.runCheck(target, mine);
    } finally {
      mine.timeout?.cancel();
      mine.abandon?.cancel();
      if (this.inFlight === mine) this.inFlight = undefined;
    }
    result = overTimeout(result, mine, config.timeout);
    if (mine.deadlineLateMs !== undefined && mine.deadlineLateMs >= stallToleranceMs(config.timeout) && result.status === 'failure') {
      result = {
        status: 'unknown',
        message: `the daemon was stalled: this check's ${config.timeout} ms deadline fired ${Math.round(mine.deadlineLateMs)} ms late, so its result (${result.message}) does not count`,
        latencyMs: clock.monotonic() - started,
        details: { stalledMs: Math.round(mine.deadlineLateMs), discarded: result.finding ?? null },
      };
    }
    this.finish(result, mine.generation, started);
  }

  /** Thresholds, reports and the next tick, for a check of `generation` that began at `started` (monotonic ms). */
  private finish(result: ProbeResult, generation: number, started: number): void {
    const { clock, config } = this.opts;
    const durationMs = clock.monotonic() - started;
    if (generation !== this.generation) {
      // Stopped or reset meanwhile: the result belongs to an older instance.
      this.scheduleIfIdle(this.startOffset());
      return;
    }
    const now = clock.now();
    // The grace is a duration: counted on the monotonic clock, a wall-clock step neither ends nor stretches it.
    const mono = clock.monotonic();
    const previous = this.state.verdict;
    const step = applyResult(this.state, result.status, mono, this.policy);
    this.state = step.state;
    this.lastResult = result;
    this.lastCheckedAt = now;
    if (result.status === 'failure') this.lastFailure = { at: now, ...(result.finding ? { finding: result.finding } : {}) };
    this.consecutiveUnknowns = result.status === 'unknown' ? this.consecutiveUnknowns + 1 : 0;

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
        consecutiveUnknowns: this.consecutiveUnknowns,
        verdict: this.state.verdict,
        inGrace: inGrace(this.state, this.policy, mono),
      }),
    );
    if (step.changed !== undefined && generation === this.generation) {
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
    if (generation === this.generation) this.scheduleIfIdle(Math.max(0, config.interval - durationMs));
    else this.scheduleIfIdle(this.startOffset());
  }

  /** A controller whose signal is not aborted and has no listener left from an earlier check. */
  private nextController(): AbortController {
    const c = this.controller;
    if (c !== undefined && !c.signal.aborted && getEventListeners(c.signal, 'abort').length === 0) return c;
    return (this.controller = new AbortController());
  }

  /** Aborts the check's signal; if the probe then does not answer within ABANDON_AFTER_ABORT_MS, it is given up (unknown). */
  private abortCheck(mine: InFlight, reason: Error): void {
    if (mine.controller.signal.aborted) return;
    mine.controller.abort(reason);
    if (mine.settle === undefined || mine.abandon !== undefined) return;
    const kind = this.opts.probe.kind;
    mine.abandon = this.opts.clock.setTimeout(() => mine.settle?.({ status: 'unknown', message: `the ${kind} probe did not stop after its timeout` }), ABANDON_AFTER_ABORT_MS);
  }

  /** The deadline starts when the check itself starts: time the daemon spent before that (a long microtask queue at many services) is the daemon's, not the service's. */
  private armDeadline(mine: InFlight): void {
    const timeout = this.opts.config.timeout;
    mine.checkStartedAt = this.opts.clock.monotonic();
    mine.deadlineAt = mine.checkStartedAt + timeout;
    if (this.deadlineSlot) {
      this.deadlineSlot.at(timeout);
      // It fires on the grid, up to one step after the timeout: lateness is counted from there.
      mine.deadlineAt = this.deadlineSlot.due;
      mine.timeout = this.deadlineSlot;
    } else mine.timeout = this.opts.clock.setTimeout(this.onDeadline, timeout);
  }

  /** The probe's answer, or unknown if it threw or ignored its aborted signal. */
  private runCheck(target: ProbeTarget, mine: InFlight): Promise<ProbeResult> {
    const { probe } = this.opts;
    return new Promise<ProbeResult>((resolve) => {
      mine.settle = (r: ProbeResult): void => {
        mine.settle = undefined;
        mine.answeredAt = this.opts.clock.monotonic();
        resolve(r);
      };
      const failed = (err: unknown): void =>
        mine.settle?.(failedToRun(probe.kind, err));
      // Started from a microtask, as before: the tick's own synchronous work is done first.
      queueMicrotask(() => {
        if (mine.settle === undefined) return;
        if (mine.controller.signal.aborted) {
          // Stopped or reset before the check began: nothing to run.
          mine.settle({ status: 'unknown', message: `the ${probe.kind} probe was cancelled before it ran` });
          return;
        }
        this.armDeadline(mine);
        let answer: Promise<ProbeResult>;
        try {
          answer = Promise.resolve(probe.check(target, mine.controller.signal));
        } catch (err) {
          failed(err);
          return;
        }
        answer.then((r) => mine.settle?.(r), failed);
      });
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

/**
 * A success that came after the timeout is a timeout: the deadline fires on the scheduler's grid (up to 100 ms
 * late), so a 1060 ms answer to a 1 s timeout was judged healthy on some checks and hung on others.
 */
function overTimeout(result: ProbeResult, mine: InFlight, timeoutMs: number): ProbeResult {
  if (result.status !== 'success' || mine.checkStartedAt === undefined || mine.answeredAt === undefined) return result;
  const tookMs = mine.answeredAt - mine.checkStartedAt;
  if (tookMs <= timeoutMs) return result;
  // Past the grid's own step the deadline would have fired first had the daemon not been stalled: the answer was
  // read late by the daemon, not given late by the service, and a stall's results do not count (as in tickAsync).
  const lateMs = tookMs - timeoutMs;
  if (lateMs >= stallToleranceMs(timeoutMs)) {
    return {
      status: 'unknown',
      message: `the daemon was stalled: this check's answer was read ${Math.round(tookMs)} ms after it began (timeout ${timeoutMs} ms), so it does not count (${result.message})`,
      latencyMs: tookMs,
      details: { stalledMs: Math.round(lateMs), discarded: null },
    };
  }
  return {
    status: 'failure',
    finding: 'hang',
    message: `answered in ${Math.round(tookMs)} ms, over its ${timeoutMs} ms timeout (${result.message})`,
    latencyMs: tookMs,
    value: result.value,
    details: { ...result.details, timeoutMs, answeredAfterMs: Math.round(tookMs) },
  };
}

/** The unknown result of a probe whose check threw (the synchronous and the asynchronous path alike). */
function failedToRun(kind: string, err: unknown): ProbeResult {
  return { status: 'unknown', message: `the ${kind} probe failed to run: ${err instanceof Error ? err.message : String(err)}` };
}

function abortReason(message: string): Error {
  const err = new Error(message);
  err.name = 'AbortError';
  return err;
}
