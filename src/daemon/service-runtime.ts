// One supervised service with everything around it: keep-alive, health watch, the ladder and its actions.
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { ServiceConfig } from '../config/schema.js';
import type { ClawbackEvent, Level } from '../observe/events.js';
import { ServiceSupervisor, type HoldReason, type LastExit, type ServiceRecord, type SupervisorDeps } from '../supervisor/service-supervisor.js';
import type { ServiceInstance, SpawnSpec } from '../supervisor/service-process.js';
import { ladderStep, type Incident, type LadderAction, type LadderInput, type LadderPolicy } from '../escalation/ladder.js';

/** Health verdicts for the current instance (implemented over the probe workers). */
export interface HealthWatch {
  /** A new instance exists: reset counters and grace. */
  attach(instance: ServiceInstance): void;
  detach(): void;
  stop(): void;
  snapshot(): ProbeStatusView[];
}

export interface ProbeStatusView {
  name: string;
  kind: string;
  action: string;
  verdict: 'healthy' | 'unhealthy' | 'pending';
  lastResult: { status: string; message: string; latencyMs?: number; finding?: string; value?: number } | null;
  lastCheckedAt: number | null;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  inGrace: boolean;
}

export interface HealthEvents {
  /** All restart-type probes passed (or, with none, the instance stayed up for a moment). */
  healthy(): void;
  /** A probe whose action is restart judged the instance unhealthy. */
  unhealthy(probe: string, finding: string | undefined, message: string): void;
}

/** Level 2 and 3 work, run outside the pure ladder. */
export interface Repairers {
  doctor?: (incident: Incident) => Promise<{ fixed: boolean; summary: string }>;
  agent?: (incident: Incident) => Promise<{ fixed: boolean; summary: string }>;
}

export interface RuntimeDeps {
  clock: Clock;
  emit(event: ClawbackEvent): void;
  persist(): void;
  spawnSpec(): SpawnSpec;
  makeHealthWatch(events: HealthEvents): HealthWatch;
  repairers: Repairers;
  preflight?: () => Promise<string | undefined>;
  launch?: SupervisorDeps['launch'];
}

export interface ServiceStatus {
  name: string;
  state: string;
  pid: number | null;
  adopted: boolean;
  startedAt: number | null;
  uptimeMs: number | null;
  restarts: number;
  nextRestartAt: number | null;
  lastExit: LastExit | null;
  held: ServiceRecord['held'];
  health: 'healthy' | 'unhealthy' | 'pending';
  probes: ProbeStatusView[];
  incident: Incident | null;
}

export class ServiceRuntime {
  readonly supervisor: ServiceSupervisor;
  private incident: Incident | null;
  private readonly health: HealthWatch;
  private healthState: 'healthy' | 'unhealthy' | 'pending' = 'pending';
  private healthySince: number | null = null;
  private coolDown: TimerHandle | undefined;
  private busy = false;
  private stopped = false;

  constructor(
    readonly config: ServiceConfig,
    record: ServiceRecord,
    incident: Incident | null,
    private readonly deps: RuntimeDeps,
  ) {
    this.incident = incident;
    this.health = deps.makeHealthWatch({
      healthy: () => this.onHealthy(),
      unhealthy: (probe, finding, message) => this.onUnhealthy(probe, finding, message),
    });
    this.supervisor = new ServiceSupervisor(config, record, {
      clock: deps.clock,
      emit: (e) => this.emit(e),
      spawnSpec: deps.spawnSpec,
      persist: deps.persist,
      ...(deps.preflight ? { preflight: deps.preflight } : {}),
      ...(deps.launch ? { launch: deps.launch } : {}),
      listener: {
        started: (inst) => {
          this.healthState = 'pending';
          this.healthySince = null;
          this.health.attach(inst);
        },
        exited: (exit) => this.onExit(exit),
        held: (reason, detail) => this.onHeld(reason, detail),
      },
    });
  }

  get name(): string {
    return this.config.name;
  }

  currentIncident(): Incident | null {
    return this.incident;
  }

  healthySinceMs(): number | null {
    return this.healthySince;
  }

  boot(): Promise<void> {
    return this.supervisor.boot();
  }

  status(): ServiceStatus {
    const s = this.supervisor.snapshot();
    const now = this.deps.clock.now();
    return {
      name: this.name,
      state: s.state,
      pid: s.pid,
      adopted: s.adopted,
      startedAt: s.startedAt,
      uptimeMs: s.startedAt !== null ? now - s.startedAt : null,
      restarts: s.restarts,
      nextRestartAt: s.nextRestartAt,
      lastExit: s.lastExit,
      held: s.held,
      health: s.pid === null ? 'pending' : this.healthState,
      probes: this.health.snapshot(),
      incident: this.incident,
    };
  }

  async start(): Promise<void> {
    if (this.incident?.status === 'waiting-human') this.apply({ type: 'resume', by: 'human' });
    else await this.supervisor.start();
  }

  async stop(): Promise<void> {
    this.health.detach();
    await this.supervisor.stop();
  }

  async restart(): Promise<void> {
    await this.supervisor.restart('manual', 0);
  }

  /** `clawback resume`: a human says go again. */
  async resume(): Promise<void> {
    this.coolDown?.cancel();
    this.apply({ type: 'resume', by: 'human' });
    await this.supervisor.resume('resume');
  }

  async dispose(opts: { stopService: boolean }): Promise<void> {
    this.stopped = true;
    this.coolDown?.cancel();
    this.health.stop();
    await this.supervisor.dispose(opts);
  }

  private emit(e: ClawbackEvent): void {
    if (!e.incidentId && this.incident) e.incidentId = this.incident.id;
    this.deps.emit(e);
  }

  private event(type: ClawbackEvent['type'], severity: ClawbackEvent['severity'], message: string, extra: Partial<ClawbackEvent> = {}): ClawbackEvent {
    return { type, time: this.deps.clock.now(), severity, message, service: this.name, ...extra };
  }

  private onExit(exit: LastExit): void {
    this.health.detach();
    this.healthState = 'pending';
    this.healthySince = null;
    const how = exit.signal ? `signal ${exit.signal}` : exit.statusKnown ? `exit code ${exit.code}` : 'exit';
    this.apply({ type: 'failure', level: 0, reason: `process ended (${how})` });
  }

  private onHeld(reason: HoldReason, detail: string): void {
    this.apply({ type: 'held', reason: `${reason}: ${detail}` });
  }

  private onHealthy(): void {
    if (this.healthState === 'healthy') return;
    this.healthState = 'healthy';
    this.healthySince = this.deps.clock.now();
    this.emit(this.event('service.healthy', 'info', `${this.name} is healthy`));
    this.apply({ type: 'healthy' });
  }

  private onUnhealthy(probe: string, finding: string | undefined, message: string): void {
    this.healthState = 'unhealthy';
    this.healthySince = null;
    this.emit(this.event('service.unhealthy', 'warning', `${this.name} unhealthy: ${probe}: ${message}`, { details: { probe, finding } }));
    this.apply({ type: 'failure', level: 1, reason: `${probe}: ${finding ?? message}` });
    const reason = finding === 'memory-limit' ? 'memory' : 'probe';
    const hung = finding === 'hang' || finding === 'stopped';
    void this.supervisor.restart(reason, 1, hung ? { graceMs: this.config.stop.hangGrace } : {});
  }

  private policy(): LadderPolicy {
    return {
      doctorAttempts: this.deps.repairers.doctor ? this.config.doctor.attempts : 0,
      agentEnabled: !!this.deps.repairers.agent,
      coolDownMs: this.config.restart.coolDown,
    };
  }

  private apply(input: LadderInput): void {
    const now = this.deps.clock.now();
    const step = ladderStep({ incident: this.incident }, input, now, this.policy(), () => newIncidentId(now));
    this.incident = step.state.incident;
    for (const action of step.actions) this.perform(action);
    this.deps.persist();
  }

  private perform(action: LadderAction): void {
    switch (action.type) {
      case 'incident-opened':
        this.emit(this.event('incident.opened', 'warning', `incident ${action.incident.id} opened for ${this.name}: ${action.incident.reason}`, {
          incidentId: action.incident.id,
          level: action.incident.level,
          details: { reason: action.incident.reason },
        }));
        break;
      case 'level-entered':
        this.emit(this.event('incident.level', action.level >= 3 ? 'critical' : 'warning', `${this.name}: level ${action.level} (${LEVEL_NAMES[action.level]}): ${action.reason}`, {
          level: action.level,
          details: { reason: action.reason },
        }));
        break;
      case 'run-doctor':
        this.runRepair('doctor', 2);
        break;
      case 'run-agent':
        this.runRepair('agent', 3);
        break;
      case 'restart':
        this.emit(this.event('incident.action', 'info', `${this.name}: restarting after ${action.reason}`, { details: { action: `restart-after-${action.reason}` } }));
        if (action.reason !== 'resume') void this.supervisor.resume(action.reason);
        break;
      case 'alert-human':
        this.emit(this.event('incident.escalated', 'critical', `${this.name} needs a human: ${action.reason}. Run \`clawback resume ${this.name}\` when fixed.`, {
          level: 4,
          details: { reason: action.reason },
        }));
        break;
      case 'schedule-cool-down':
        this.coolDown?.cancel();
        this.coolDown = this.deps.clock.setTimeout(() => {
          if (this.stopped) return;
          this.apply({ type: 'resume', by: 'cool-down' });
          void this.supervisor.resume('resume');
        }, action.ms);
        break;
      case 'resolved':
        this.emit(this.event('incident.resolved', 'resolved', `${this.name} recovered after ${Math.round(action.ttrMs)} ms (incident ${action.incident.id}, highest level ${action.incident.highestLevel})`, {
          incidentId: action.incident.id,
          level: action.incident.highestLevel,
          details: { ttrMs: action.ttrMs, highestLevel: action.incident.highestLevel, outcome: action.outcome, reason: action.incident.reason },
        }));
        break;
    }
  }

  private runRepair(kind: 'doctor' | 'agent', level: Level): void {
    const fn = this.deps.repairers[kind];
    const incident = this.incident;
    if (!fn || !incident || this.busy) return;
    this.busy = true;
    this.emit(this.event('incident.action', 'info', `${this.name}: running the ${kind}`, { level, details: { action: kind } }));
    void fn(incident)
      .catch((err: unknown) => ({ fixed: false, summary: `${kind} failed: ${(err as Error).message}` }))
      .then((r) => {
        this.busy = false;
        if (this.stopped) return;
        this.apply(kind === 'doctor' ? { type: 'doctor-done', ...r } : { type: 'agent-done', ...r });
      });
  }
}

export const LEVEL_NAMES: Record<Level, string> = { 0: 'keep-alive', 1: 'watchdog', 2: 'doctor', 3: 'emergency', 4: 'human' };

function newIncidentId(now: number): string {
  const d = new Date(now).toISOString().slice(0, 10).replace(/-/g, '');
  return `inc-${d}-${randomBytes(3).toString('hex')}`;
}
