// Level 0 keep-alive for one service: start, watch the exit, restart with backoff, trip the breaker on a loop.
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { ServiceConfig } from '../config/schema.js';
import type { ClawbackEvent, Level } from '../observe/events.js';
import { backoffDelay, isStableRun } from './backoff.js';
import { recordRestart } from './intensity.js';
import {
  adoptInstance,
  killLeftovers,
  spawnInstance,
  type ExitInfo,
  type InstanceRecord,
  type ServiceInstance,
  type SpawnSpec,
} from './service-process.js';

export type SupervisorState = 'stopped' | 'running' | 'backoff' | 'stopping' | 'held';
export type HoldReason = 'crash-loop' | 'config' | 'preflight' | 'human';
export type RestartReason = 'exit' | 'probe' | 'memory' | 'prediction' | 'manual' | 'dependency' | 'doctor' | 'agent' | 'resume';

export interface LastExit {
  code: number | null;
  signal: string | null;
  at: number;
  uptimeMs: number;
  statusKnown: boolean;
}

/** What survives a daemon restart (persisted in state.json). */
export interface ServiceRecord {
  desired: 'up' | 'down';
  restartHistory: number[];
  backoffAttempt: number;
  restartsTotal: number;
  lastExit: LastExit | null;
  held: { reason: HoldReason; detail: string; since: number } | null;
  instance: InstanceRecord | null;
}

export function emptyRecord(desired: 'up' | 'down'): ServiceRecord {
  return { desired, restartHistory: [], backoffAttempt: 0, restartsTotal: 0, lastExit: null, held: null, instance: null };
}

export interface SupervisorListener {
  started(instance: ServiceInstance): void;
  /** An exit nobody asked for. */
  exited(exit: LastExit): void;
  held(reason: HoldReason, detail: string): void;
}

export interface SupervisorDeps {
  clock: Clock;
  emit(event: ClawbackEvent): void;
  spawnSpec(): SpawnSpec;
  persist(): void;
  listener: SupervisorListener;
  random?: () => number;
  /** Replaces spawning for a service another manager runs: find it, or ask that manager to start it. */
  launch?: (reason: RestartReason) => Promise<ServiceInstance>;
  /** Checks before each start; a message means "do not start, repair first". */
  preflight?: () => Promise<string | undefined>;
  adoptPollMs?: number;
}

export interface SupervisorSnapshot {
  state: SupervisorState;
  pid: number | null;
  startedAt: number | null;
  adopted: boolean;
  restarts: number;
  nextRestartAt: number | null;
  lastExit: LastExit | null;
  held: ServiceRecord['held'];
}

export class ServiceSupervisor {
  private state: SupervisorState = 'stopped';
  private instance: ServiceInstance | undefined;
  private restartTimer: TimerHandle | undefined;
  private stableTimer: TimerHandle | undefined;
  private nextRestartAt: number | null = null;
  private queue: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly config: ServiceConfig,
    readonly record: ServiceRecord,
    private readonly deps: SupervisorDeps,
  ) {}

  get name(): string {
    return this.config.name;
  }

  current(): ServiceInstance | undefined {
    return this.instance;
  }

  snapshot(): SupervisorSnapshot {
    return {
      state: this.state,
      pid: this.instance?.pid ?? null,
      startedAt: this.instance?.startedAt ?? null,
      adopted: this.instance?.adopted ?? false,
      restarts: this.record.restartsTotal,
      nextRestartAt: this.nextRestartAt,
      lastExit: this.record.lastExit,
      held: this.record.held,
    };
  }

  /** First start after the daemon came up: re-adopt a live instance, honour a persisted hold. */
  boot(): Promise<void> {
    return this.serial(async () => {
      const prev = this.record.instance;
      if (prev) {
        const adopted = adoptInstance(prev, this.deps.clock, this.deps.adoptPollMs);
        if (adopted) {
          this.attach(adopted);
          this.deps.emit(this.event('daemon.adopted', 'info', `adopted running ${this.name} (pid ${adopted.pid})`, { pid: adopted.pid }));
          return;
        }
        // The old instance is gone; whatever it left in its group must not hold the port.
        killLeftovers(prev.pid);
        this.record.instance = null;
      }
      if (this.record.held) {
        this.state = 'held';
        return;
      }
      if (this.record.desired === 'up') await this.spawnNow('resume');
      this.deps.persist();
    });
  }

  /** Manual start (also clears a hold: a human asked for it). */
  start(): Promise<void> {
    return this.serial(async () => {
      this.record.desired = 'up';
      if (this.record.held) this.clearHold('started by request');
      if (this.instance || this.state === 'backoff') return;
      await this.spawnNow('manual');
    });
  }

  stop(): Promise<void> {
    return this.serial(async () => {
      this.record.desired = 'down';
      this.cancelTimers();
      if (this.instance) await this.stopInstance();
      this.state = 'stopped';
      this.deps.emit(this.event('service.stopped', 'info', `${this.name} stopped`));
      this.deps.persist();
    });
  }

  /**
   * Graceful restart. Probe and memory restarts count in the intensity window like crashes,
   * so a hang loop trips the breaker too; a manual restart does not.
   */
  restart(reason: RestartReason, level: Level, opts: { graceMs?: number } = {}): Promise<void> {
    return this.serial(async () => {
      if (this.state === 'held' && reason !== 'manual') return;
      if (reason === 'dependency') {
        // Restarted because a peer in its group restarted: not this service's failure, not counted.
        if (!this.instance && this.state !== 'backoff') return;
      } else if (reason === 'manual') {
        this.record.desired = 'up';
        if (this.record.held) this.clearHold('restarted by request');
      } else {
        const d = recordRestart(this.record.restartHistory, this.deps.clock.now(), this.config.restart.intensity);
        this.record.restartHistory = d.history;
        if (d.tripped) {
          if (this.instance) await this.stopInstance();
          this.enterHold('crash-loop', `more than ${this.config.restart.intensity.maxRestarts} restarts within ${this.config.restart.intensity.window} ms (last: ${reason})`);
          return;
        }
      }
      this.cancelTimers();
      this.record.restartsTotal++;
      this.deps.emit(this.event('service.restarting', 'warning', `restarting ${this.name} (${reason})`, { reason }, level));
      if (this.instance) await this.stopInstance(opts.graceMs);
      await this.spawnNow(reason);
    });
  }

  /** Lifts a hold (breaker or config): history forgotten, restart at once. */
  resume(reason: RestartReason = 'resume'): Promise<void> {
    return this.serial(async () => {
      this.record.desired = 'up';
      if (this.record.held) this.clearHold(reason);
      this.record.restartHistory = [];
      this.record.backoffAttempt = 0;
      this.cancelTimers();
      if (!this.instance) await this.spawnNow(reason);
    });
  }

  /** An outside decision (e.g. a failed preflight or exit 78 seen by the ladder) to stop restarting. */
  hold(reason: HoldReason, detail: string): Promise<void> {
    return this.serial(async () => {
      this.cancelTimers();
      this.enterHold(reason, detail);
    });
  }

  /** Daemon shutdown: optionally leave the service running for the next daemon to adopt. */
  async dispose(opts: { stopService: boolean }): Promise<void> {
    await this.serial(async () => {
      this.cancelTimers();
      if (opts.stopService && this.instance && !this.deps.launch) {
        await this.stopInstance();
        this.record.instance = null;
      } else {
        this.instance?.release();
      }
      this.disposed = true;
      this.deps.persist();
    });
  }

  private serial(op: () => Promise<void>): Promise<void> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private cancelTimers(): void {
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    this.nextRestartAt = null;
  }

  private async stopInstance(graceMs = this.config.stop.grace): Promise<void> {
    const inst = this.instance;
    if (!inst) return;
    this.state = 'stopping';
    this.stableTimer?.cancel();
    await inst.stop(this.config.stop.signal, graceMs);
  }

  private enterHold(reason: HoldReason, detail: string): void {
    this.state = 'held';
    this.record.held = { reason, detail, since: this.deps.clock.now() };
    this.deps.emit(this.event('breaker.tripped', 'critical', `${this.name}: restarts stopped (${reason}): ${detail}`, { reason, detail }));
    this.deps.persist();
    this.deps.listener.held(reason, detail);
  }

  private clearHold(why: string): void {
    this.record.held = null;
    this.record.restartHistory = [];
    this.record.backoffAttempt = 0;
    if (this.state === 'held') this.state = 'stopped';
    this.deps.emit(this.event('breaker.resumed', 'info', `${this.name}: restarts resumed (${why})`, { reason: why }));
  }

  private async spawnNow(reason: RestartReason): Promise<void> {
    if (this.disposed || this.record.desired === 'down' || this.record.held || this.instance) return;
    this.nextRestartAt = null;
    if (this.deps.preflight) {
      const problem = await this.deps.preflight();
      if (problem) {
        this.enterHold('preflight', problem);
        return;
      }
    }
    let inst: ServiceInstance;
    if (this.deps.launch) {
      try {
        inst = await this.deps.launch(reason);
      } catch (err) {
        const now = this.deps.clock.now();
        const exit: LastExit = { code: null, signal: null, at: now, uptimeMs: 0, statusKnown: false };
        this.record.lastExit = exit;
        this.deps.listener.exited(exit);
        this.deps.emit(this.event('service.exited', 'warning', `${this.name} could not be started: ${(err as Error).message}`, { code: null, signal: null, uptimeMs: 0, expected: false }));
        await this.afterCrash(exit);
        return;
      }
      // The daemon may have begun to shut down while the manager was starting it.
      if ((this.disposed as boolean) || (this.record.desired as string) === 'down') {
        inst.release();
        return;
      }
    } else {
      inst = spawnInstance(this.deps.spawnSpec(), this.deps.clock);
    }
    this.attach(inst);
    this.deps.emit(this.event('service.started', 'info', `${this.name} started (pid ${inst.pid})`, { pid: inst.pid, reason }));
    this.deps.persist();
  }

  private attach(inst: ServiceInstance): void {
    this.instance = inst;
    this.state = 'running';
    this.record.instance = { pid: inst.pid, pidStartTime: inst.pidStartTime, startedAt: inst.startedAt };
    const stableIn = Math.max(0, inst.startedAt + this.config.restart.stableAfter - this.deps.clock.now());
    this.stableTimer?.cancel();
    this.stableTimer = this.deps.clock.setTimeout(() => {
      if (this.instance === inst && this.record.backoffAttempt !== 0) {
        this.record.backoffAttempt = 0;
        this.deps.persist();
      }
    }, stableIn);
    void inst.exited.then((info) => this.onExit(inst, info));
    this.deps.listener.started(inst);
  }

  private onExit(inst: ServiceInstance, info: ExitInfo): void {
    if (this.instance !== inst) return;
    this.instance = undefined;
    this.record.instance = null;
    this.stableTimer?.cancel();
    killLeftovers(inst.pid);
    const exit: LastExit = {
      code: info.code,
      signal: info.signal,
      at: info.at,
      uptimeMs: info.at - inst.startedAt,
      statusKnown: info.statusKnown,
    };
    this.record.lastExit = exit;
    const expected = this.state === 'stopping' || this.disposed;
    // The listener opens the incident first, so the exit event already carries its id.
    if (!expected) this.deps.listener.exited(exit);
    const how = info.statusKnown ? (info.signal ? `signal ${info.signal}` : `code ${info.code}`) : 'unknown status (adopted)';
    this.deps.emit(
      this.event('service.exited', expected ? 'info' : 'warning', `${this.name} exited with ${how} after ${exit.uptimeMs} ms`, {
        code: info.code,
        signal: info.signal,
        uptimeMs: exit.uptimeMs,
        expected,
      }),
    );
    if (expected || this.disposed) {
      this.deps.persist();
      return;
    }
    void this.serial(async () => this.afterCrash(exit));
  }

  private async afterCrash(exit: LastExit): Promise<void> {
    if (this.instance || this.state === 'held' || this.disposed) return;
    if (isStableRun(exit.uptimeMs, this.config.restart.stableAfter)) this.record.backoffAttempt = 0;
    const policy = this.config.restart.policy;
    const clean = exit.statusKnown && exit.code === 0 && !exit.signal;
    if (this.record.desired === 'down' || policy === 'never' || (policy === 'on-failure' && clean)) {
      this.state = 'stopped';
      this.deps.persist();
      return;
    }
    if (exit.code !== null && this.config.restart.preventExitCodes.includes(exit.code)) {
      this.enterHold('config', `exit code ${exit.code} means the configuration is broken; not restarting blindly`);
      return;
    }
    const now = this.deps.clock.now();
    const d = recordRestart(this.record.restartHistory, now, this.config.restart.intensity);
    this.record.restartHistory = d.history;
    if (d.tripped) {
      this.enterHold(
        'crash-loop',
        `${d.history.length} restarts within ${this.config.restart.intensity.window} ms (limit ${this.config.restart.intensity.maxRestarts})`,
      );
      return;
    }
    const attempt = this.record.backoffAttempt;
    const delay = backoffDelay(attempt, this.config.restart.backoff, this.deps.random);
    this.record.backoffAttempt = attempt + 1;
    this.record.restartsTotal++;
    this.deps.persist();
    if (delay === 0) {
      this.deps.emit(this.event('service.restart-scheduled', 'info', `restarting ${this.name} now`, { reason: 'exit', delayMs: 0, attempt }, 0));
      this.emitRestarting(attempt);
      await this.spawnNow('exit');
      return;
    }
    this.state = 'backoff';
    this.nextRestartAt = now + delay;
    this.deps.emit(
      this.event('service.restart-scheduled', 'info', `restarting ${this.name} in ${delay} ms (attempt ${attempt + 1})`, { reason: 'exit', delayMs: delay, attempt }, 0),
    );
    this.restartTimer = this.deps.clock.setTimeout(() => {
      this.restartTimer = undefined;
      void this.serial(async () => {
        if (this.state !== 'backoff') return;
        this.emitRestarting(attempt);
        await this.spawnNow('exit');
      });
    }, delay);
  }

  private emitRestarting(attempt: number): void {
    this.deps.emit(this.event('service.restarting', 'warning', `restarting ${this.name} after its exit`, { reason: 'exit', attempt }, 0));
  }

  private event(type: ClawbackEvent['type'], severity: ClawbackEvent['severity'], message: string, details?: Record<string, unknown>, level?: Level): ClawbackEvent {
    const e: ClawbackEvent = { type, time: this.deps.clock.now(), severity, message, service: this.name };
    if (details) e.details = details;
    if (level !== undefined) e.level = level;
    return e;
  }
}
