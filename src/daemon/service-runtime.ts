// One supervised service: feeds every fact to its reducer and carries out the effects it orders (the only code that touches its processes).
import { randomBytes } from 'node:crypto';
import { clockStepWatch, type Clock, type ClockStepWatch, type TimerHandle } from '../platform/clock.js';
import type { ProbeTickReport } from '../probes/probe-worker.js';
import type { ServiceConfig } from '../config/schema.js';
import type { PreflightStep } from '../doctor/preflight.js';
import type { ClawbackEvent } from '../observe/events.js';
import { lastLogLines } from '../observe/last-log-lines.js';
import { article } from '../platform/article.js';
import type { Redactor } from '../observe/redact.js';
import { signalGroup } from '../platform/signal-group.js';
import { signalKnown, type KnownProcess } from '../platform/escaped-descendants.js';
import { isSameProcess, startTimeEpochMs } from '../platform/proc.js';
import { strayProcesses } from './stray-processes.js';
import { adoptInstance, killLeftovers, leftoversHolding, spawnInstance, type ExitInfo, type ServiceInstance, type SpawnSpec } from '../supervisor/service-process.js';
import { StopNotSent } from '../supervisor/external-process.js';
import { decide, nextWake, LEVEL_NAMES } from '../decide/decide.js';
import { startupWaitText } from '../decide/startup-window.js';
import { policyFor, resumeCommandOf, type ServicePolicy } from '../decide/policy.js';
import type { AgentOutcome, DoctorFileChange, DoctorOutcome, Effect, ServiceInput } from '../decide/inputs.js';
import type { Hold, Incident, LastExit, Maintenance, Requester, ServiceState, StartReason, Work } from '../decide/service-state.js';
import { scopeKey, type ReadinessScope } from '../probes/readiness-scope.js';
import { lastBootAt } from '../platform/boot-time.js';
import { HOLD_MAX_BYTES } from '../observe/held-output.js';
import { logDiskFullText } from '../platform/disk-room.js';

/** Who ended a start under way: the reason its cancel signal was aborted with (a person's restart, else a stop). */
const cancelledBy = (signal: AbortSignal): 'stop' | 'restart' => (signal.reason === 'restart' ? 'restart' : 'stop');
/** How long an escalation after a doctor run cut at its deadline waits for that run to say what it put back and did not try. */
const CUT_WORD_WAIT_MS = 5_000;

/** The environment variable that hands a singleton's instance its fencing token (for the systems it writes to). */
export const FENCING_TOKEN_ENV = 'CLAWBACK_FENCING_TOKEN';

export { LEVEL_NAMES };

/** Health verdicts for the current instance (implemented over the probe workers). */
export interface HealthWatch {
  /** A new instance exists: reset counters and grace; the grace runs from its start, `startedAgoMs` before now (0: now). */
  attach(instance: ServiceInstance, startedAgoMs?: number): void;
  /** The reducer's start-up window of the attached instance: what is left of it from now (0: none). */
  startupWindow(remainingMs: number): void;
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
  /** The newest failed check (epoch ms) and its finding. */
  lastFailure?: { at: number; finding?: string };
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** Checks in a row that could not run (unknown): at the probe's unknownThreshold a probe.unknown warning was sent. */
  consecutiveUnknowns?: number;
  inGrace: boolean;
}

export interface HealthEvents {
  /** All restart-type probes passed (or, with none, the instance stayed up for a moment). */
  healthy(): void;
  /** A probe whose action is restart judged the instance unhealthy; `since`: when its run of failures began. */
  unhealthy(probe: string, finding: string | undefined, message: string, since?: number): void;
  /** Every check's report (the daemon reads its own faults from them: a probe short of descriptors). */
  probeReport?(report: ProbeTickReport): void;
}

export interface DoctorResult {
  /** Old shape: fixed or not. */
  fixed: boolean;
  summary: string;
  /** "nothing-found" means nothing was wrong any more: a start is worth another try. */
  outcome?: DoctorOutcome;
  /** The user's files the run rewrote (put back if the service is not healthy after it). */
  files?: DoctorFileChange[];
  /** Its repairs that are no file change (a stale lock removed): never put back. */
  otherRepairs?: string[];
  /** What only a person can fix, with the fix in words (the preflight's findings): Level 4 names it, no agent. */
  personOnly?: string;
}

export interface AgentRepairer {
  /** `launched` false: the agent never started (no attempt). */
  /** `busyUntil`: busy waiting for another agent run, which ends by its own time box then (epoch ms). */
  run(incident: Incident, runId: string, signal: AbortSignal): Promise<{ outcome: AgentOutcome; summary: string; detail: string; launched?: boolean; busyUntil?: number }>;
  /** Keep (verified by Clawback) or revert what the run changed; journals the verdict. `handover`: a person took over, keep and list; `notStarted`: no verdict recorded. */
  finish(runId: string, incidentId: string, keep: boolean, reason: string, handover?: boolean, notStarted?: boolean): Promise<void>;
  /** At boot: judges a run a killed daemon left with no record (not the work in flight, `inFlight`, the reducer's). */
  judgeOrphan?(inFlight?: string): Promise<void>;
  /**
   * The runtime goes away (daemon stop, reload): lets go of the cwd locks its runs hold until their verdicts. Whoever
   * gives such a verdict later (the next daemon, the reload's new runtime) takes the lock itself; held on, it kept that
   * verdict waiting 45 s on a lock of a daemon that had stopped in the same process.
   */
  release?(): Promise<void>;
}

/** Restarts one part of the running service (a channel account) through its own interface. */
export type ScopedRestarter = (scope: ReadinessScope, signal: AbortSignal) => Promise<{ ok: boolean; accounts: string[]; summary: string }>;

/** Level 2 and 3 work; the reducer decides when they run, the runtime runs them. */
export interface Repairers {
  doctor?: (incident: Incident, signal?: AbortSignal) => Promise<DoctorResult>;
  /** Puts a failed doctor run's files back where they still hold its bytes (its version kept as evidence). */
  doctorRevert?: (files: DoctorFileChange[], runId: string, incidentId: string, reason: string) => Promise<{ reverted: string[]; kept: string[] }>;
  agent?: AgentRepairer;
  /** The smallest scope (src/openclaw/channel-restart.ts); without it a scoped finding restarts the whole service. */
  scoped?: ScopedRestarter;
}

/** A preflight's answer: undefined "go"; else the problem, and whether only a person can clear it (see preflight-failed). */
export type PreflightAnswer = string | { problem: string; personOnly: boolean } | undefined;

/** The reducer's input for a preflight's refusal (the runtime's start and the guardian's direct one), or undefined for "go". */
export function preflightRefusal(answer: PreflightAnswer): Extract<ServiceInput, { type: 'preflight-failed' }> | undefined {
  const problem = typeof answer === 'string' ? answer : answer?.problem;
  if (!problem) return undefined;
  return { type: 'preflight-failed', problem, ...(typeof answer === 'object' && answer.personOnly ? { personOnly: true } : {}) };
}

export interface RuntimeDeps {
  clock: Clock;
  emit(event: ClawbackEvent): void;
  persist(): void;
  spawnSpec(): SpawnSpec;
  makeHealthWatch(events: HealthEvents): HealthWatch;
  repairers: Repairers;
  preflight?: (onStep?: (step: PreflightStep) => void, signal?: AbortSignal) => Promise<PreflightAnswer>;
  /**
   * Replaces spawning for a service another manager runs. `signal`: a person's stop or restart of this start (its start
   * command killed, its wait for the pid ended); a process its manager brought up all the same is returned all the same.
   */
  launch?: (reason: StartReason, signal: AbortSignal, end: AbortSignal) => Promise<ServiceInstance>;
  random?: () => number;
  /** The service's log file, for the last lines before an exit (redacted before they are kept anywhere). */
  logFile?: string;
  redactor?: Pick<Redactor, 'redact'>;
  /** Clusters: a guard process that kills a singleton's instance when the daemon stops refreshing its lease deadline. */
  fenceGuard?: (pid: number) => { cancel(): void };
  /** Clusters: give up this member's lease on the service (the reducer ordered it). */
  releasePlacement?: (reason: string) => void;
  /** The exact command line that resumes this service (ServicePolicy.resumeCommand). */
  resumeCommand?: string;
  /** The reducer's agent runs changed: the budget's ledger follows them (a failed write is the dep's to report). */
  agentLedger?: (runs: readonly number[]) => void;
  /** An instance started while its log could not be opened (a daemon fault: status, metrics, an alert). */
  onLogFault?: (err: Error) => void;
  /** A start failed for want of the daemon's own resources (EMFILE, EAGAIN, ENOMEM): a daemon fault, not the service's. */
  onSpawnFault?: (err: unknown) => void;
  /** A start spawned its process: the daemon has the resources again. */
  onSpawned?: () => void;
  /**
   * Asked once per exit noticed at `at` (wall ms): when the daemon was paused just before, the pause's start (the exit
   * may have come any time since); else undefined.
   */
  pausedSince?: (at: number) => number | undefined;
  /** Every probe check's report (probe-resources.ts: a check that could not run for want of the daemon's own resources). */
  onProbeReport?: (report: ProbeTickReport) => void;
}

export interface ServiceStatus {
  name: string;
  state: string;
  /** What it is wanted to be: 'down' once a person stopped it (or it is not started on its own); absent from an older daemon. */
  desired?: 'up' | 'down';
  pid: number | null;
  /** The pid's start time (/proc, clock ticks since boot) when the instance started: with pid, who it is (pids are reused). */
  pidStartTime: number | null;
  adopted: boolean;
  startedAt: number | null;
  uptimeMs: number | null;
  restarts: number;
  nextRestartAt: number | null;
  lastExit: LastExit | null;
  held: Hold | null;
  /** 'stopping': the stop signal was sent (its grace or drain running): the last probe verdict is not what it is now. */
  health: 'healthy' | 'unhealthy' | 'pending' | 'stopping';
  probes: ProbeStatusView[];
  incident: Incident | null;
  /** Repair or verification in flight (id, kind, deadline). */
  work: Work | null;
  /** Maintenance: nothing acts on the service until it ends (timeLeftMs null: until turned off). */
  maintenance: (Maintenance & { timeLeftMs: number | null }) | null;
  /** Its restart policy keeps it down (a finished job, a `never` service's crash) until a person's start: the policy's name. */
  keptDown?: 'on-failure' | 'never';
  /** While a Level 3 run waits for approval: the agent a person is asked to start, and its time box (the dashboard's question names them). */
  agent?: { adapter: string; model: string | null; timeBoxMs: number };
  /** A slow preflight step running before this start (the config validator): what, since when (wall ms), its budget. */
  preflight?: { step: string; command: string[]; since: number; budgetMs: number };
  /** Only for a singleton service of a cluster: active here or standing by. */
  placement?: { active: boolean; holder: string | null; fencingToken: number | null };
  /** Its start-up window is open (startup.timeout): since when (wall ms), how long, and the sentence saying so. */
  startup?: { since: number; windowMs: number; message: string };
  /**
   * Not started at boot for an interrupted update (its record found) until this daemon's resume of it has decided: what
   * update (with its record), and the sentence saying so. Absent once decided, or while an instance runs.
   */
  updateHold?: { update: string; message: string };
}

export interface ActionResult {
  ok: boolean;
  message: string;
  /** doctor: the run the request started. */
  runId?: string;
  /** reset: the counts before and after (after is always 0), and the hold that stays. */
  reset?: { restarts: { before: number; after: number }; window: { before: number; after: number }; backoffAttempt: { before: number; after: number }; held: string | null };
}

/** What status says of a service its boot holds for an interrupted update's resume. */
export function updateHoldText(name: string, update: string): string {
  return `${name}: not started: ${update} was interrupted by a daemon restart; held until this daemon has finished it (watched or rolled back), then started if its files are whole, else held for a person`;
}

function newId(kind: 'inc' | 'run', now: number): string {
  const d = new Date(now).toISOString().slice(0, 10).replace(/-/g, '');
  return `${kind}-${d}-${randomBytes(3).toString('hex')}`;
}

export class ServiceRuntime {
  readonly policy: ServicePolicy;
  private s: ServiceState;
  private instance: ServiceInstance | undefined;
  /** The instance's start on the monotonic clock: its uptime, which a step of the wall clock made negative (or an hour too long). */
  private instanceStartMono = 0;
  /** The start-up window last told to the probes: "pid:until" (the reducer's), so each window is told once. */
  private windowTold = '';
  private readonly health: HealthWatch;
  private wake: { at: number; timer: TimerHandle } | undefined;
  /** The preflight's slow step under way, shown by status (a report of this start effect, not a decision). */
  private preflightStep: { step: string; command: string[]; since: number; budgetMs: number } | undefined;
  /** Aborted by dispose: a preflight's validator (up to a minute) held a shutdown, then outlived the daemon. */
  private readonly preflightAbort = new AbortController();
  /** The start under way's own cancel (the reducer's cancel-start, a person's stop or restart); its reason says which. */
  private startAbort: AbortController | undefined;
  /** Repairs running now, by run id: the reducer's cancel-work aborts them. */
  private readonly work = new Map<string, AbortController>();
  /** Doctor runs in flight, by run id: what each says when it ends (a cut run: what it put back, what it did not try). */
  private readonly doctorEnds = new Map<string, Promise<string>>();
  /** Doctor runs cut at their deadline by the decision whose effects run now: its escalation waits (bounded) for their word. */
  private cutNow: Promise<string>[] = [];
  /** The Level 4 step of that same decision: held with its escalation, so nothing of the climb reaches a person before the cut run's word. */
  private heldWithCut: ClawbackEvent[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private waiters: Array<() => void> = [];
  private queue: ServiceInput[] = [];
  private dispatching = false;
  /** The agent runs (JSON) the ledger was last given: each list is written once (a failed write is retried at the next change). */
  private ledgerRuns: string | undefined;
  /** The group of the last instance that exited: its leftovers must be gone before the next start. */
  private lastGroup: number | undefined;
  private stopped = false;
  /** Keep/revert of agent runs, by run id and verdict: each is carried out once. */
  private readonly finishes = new Map<string, Promise<string | undefined>>();
  /** Fence guards of singleton instances, by pid: cancelled when the instance exits. */
  private readonly guards = new Map<number, { cancel(): void }>();
  /** Steps of the wall clock since the previous dispatch: the reducer's times move with them (a `clock-stepped` input). */
  private readonly clockSteps: ClockStepWatch;
  /** What the last exit left outside its group, being stopped (stop signal, grace, SIGKILL): the next start waits for it. */
  private strayStop: { done: Promise<void>; abort: AbortController } | undefined;
  /**
   * The last order given to this service (a person's start/stop/restart/resume, a reload removing it), numbered: a
   * request that ends where it did not ask for tells its caller which later order overrode it, not only where it is.
   */
  private lastOrder = { seq: 0, what: '' };
  /** The instance started while its log could not be opened, and why: its output is held by the log helper meanwhile. */
  private logBlocked: { pid: number; error: string } | undefined;
  /** The last stop that sent nothing (an external pid it cannot identify), for the answer to the stop that asked. */
  private stopNotSent: { pid: number; why: string } | undefined;
  /**
   * A reload that kept the process but not its settings hands this service to a new runtime (daemon.retune): the order
   * number of that handover and the runtime, once built. A request under way is answered by it, which finishes it.
   */
  private handedTo: { order: number; next: Promise<ServiceRuntime | undefined> } | undefined;
  /**
   * Resolved once the reducer has this service's boot (or the runtime is disposed): a person's request for it waits for
   * that alone, not for the whole start-up (another service's preflight validator held `clawback stop` ~30 s).
   */
  readonly bootHeard: Promise<void>;
  private heardBoot!: () => void;

  constructor(
    readonly config: ServiceConfig,
    state: ServiceState,
    private readonly deps: RuntimeDeps,
  ) {
    this.s = state;
    this.bootHeard = new Promise<void>((resolve) => (this.heardBoot = resolve));
    this.clockSteps = clockStepWatch(deps.clock);
    this.policy = {
      ...policyFor(config, { doctor: !!deps.repairers.doctor, agent: !!deps.repairers.agent, scoped: !!deps.repairers.scoped }),
      ...(deps.resumeCommand ? { resumeCommand: deps.resumeCommand } : {}),
    };
    this.health = deps.makeHealthWatch({
      healthy: () => {
        const pid = this.instance?.pid;
        if (pid !== undefined && (this.s.health !== 'healthy' || (this.s.work?.kind === 'verify' && this.s.work.healthySince == null))) this.dispatch({ type: 'healthy', pid });
      },
      unhealthy: (probe, finding, message, since) => {
        const pid = this.instance?.pid;
        if (pid !== undefined) this.dispatch({ type: 'unhealthy', pid, probe, ...(finding !== undefined ? { finding } : {}), message, ...(since !== undefined ? { since } : {}) });
      },
      probeReport: (report) => deps.onProbeReport?.(report),
    });
  }

  get name(): string {
    return this.config.name;
  }

  /** The persisted picture (state.json). */
  persisted(): ServiceState {
    return this.s;
  }

  currentIncident(): Incident | null {
    return this.s.incident;
  }

  /** The kind of the work in flight (a doctor run, a verification...), or null: without status()'s whole picture. */
  workKind(): Work['kind'] | null {
    return this.s.work?.kind ?? null;
  }

  healthySinceMs(): number | null {
    return this.s.phase === 'running' ? this.s.healthySince : null;
  }

  /**
   * Epoch ms the current instance started, or null: an adopted one (a previous daemon's, or found running under another
   * manager) by the kernel's start of its process when that is earlier than when it was recorded (attached).
   */
  instanceStartedMs(): number | null {
    const inst = this.instance;
    if (!inst) return null;
    const kernel = inst.adopted && inst.pidStartTime !== null ? startTimeEpochMs(inst.pidStartTime) : undefined;
    return kernel !== undefined ? Math.min(kernel, inst.startedAt) : inst.startedAt;
  }

  current(): ServiceInstance | undefined {
    return this.instance;
  }

  status(): ServiceStatus {
    // A step of the wall clock moves the reducer's times when it is noticed: a quiet service (no probes, a long backoff)
    // would otherwise report them on the old scale until its next fact ('restarting in 1h 9m' after a step back).
    const step = !this.stopped && !this.dispatching ? this.clockStep() : undefined;
    if (step) this.dispatch(step);
    const s = this.s;
    const now = this.deps.clock.now();
    const inst = this.instance;
    return {
      name: this.name,
      state: s.phase,
      desired: s.desired,
      pid: inst?.pid ?? null,
      pidStartTime: inst?.pidStartTime ?? null,
      adopted: inst?.adopted ?? false,
      startedAt: inst?.startedAt ?? null,
      uptimeMs: inst ? Math.max(0, Math.round(this.deps.clock.monotonic() - this.instanceStartMono)) : null,
      restarts: s.restartsTotal,
      nextRestartAt: s.phase === 'backoff' ? s.nextStartAt : null,
      lastExit: s.lastExit,
      held: s.held,
      // On its way down, "healthy" (the last verdict before the stop signal) read as a service still serving.
      health: !inst ? 'pending' : s.phase === 'stopping' ? 'stopping' : s.health,
      probes: this.health.snapshot(),
      incident: s.incident,
      work: s.work,
      maintenance: s.maintenance ? { ...s.maintenance, timeLeftMs: s.maintenance.until !== null ? Math.max(0, s.maintenance.until - now) : null } : null,
      ...(s.keptDown && !inst && this.policy.restartPolicy !== 'always' ? { keptDown: this.policy.restartPolicy } : {}),
      ...(s.work?.kind === 'approval' && this.config.emergency ? { agent: { adapter: this.config.emergency.adapter, model: this.config.emergency.model ?? null, timeBoxMs: this.config.emergency.timeBox } } : {}),
      ...(s.placement ? { placement: { active: s.placement.active, holder: s.placement.holder, fencingToken: s.placement.token } } : {}),
      ...(this.preflightStep && s.phase === 'starting' ? { preflight: { ...this.preflightStep } } : {}),
      ...(s.updateHold !== undefined && !inst ? { updateHold: { update: s.updateHold, message: updateHoldText(this.name, s.updateHold) } } : {}),
      ...(s.startup && inst ? { startup: { since: s.startup.since, windowMs: s.startup.until - s.startup.since, message: startupWaitText(now - s.startup.since, s.startup.until - s.startup.since) } } : {}),
    };
  }

  /** A person turns maintenance on (for a while, or until turned off) or off. */
  maintenance(on: boolean, opts: { forMs?: number; reason?: string; by: string }): ActionResult {
    const until = on && opts.forMs !== undefined ? this.deps.clock.now() + opts.forMs : null;
    if (!on && !this.s.maintenance) return { ok: true, message: `${this.name}: not in maintenance; nothing to turn off` };
    this.dispatch({ type: 'maintenance', on, until, ...(opts.reason ? { reason: opts.reason } : {}), by: opts.by });
    const m = this.s.maintenance;
    return on
      ? { ok: !!m, message: `${this.name}: maintenance on${m?.until ? ` until ${new Date(m.until).toISOString()}` : ' until turned off'}` }
      : { ok: !m, message: `${this.name}: maintenance off; healing is back` };
  }

  /** A person answers the approval request of an incident; false when none is pending for it. */
  answerApproval(incidentId: string, approve: boolean, by: string): ActionResult {
    const pending = this.s.work?.kind === 'approval' && this.s.work.incidentId === incidentId;
    if (!pending) return { ok: false, message: `no Level 3 approval is pending for incident ${incidentId}` };
    this.dispatch({ type: 'approval', incidentId, approve, by });
    return { ok: true, message: `incident ${incidentId}: agent run ${approve ? 'approved' : 'refused'} by ${by}` };
  }

  // ---- the one way in ---------------------------------------------------------------------------

  /** Feeds one fact to the reducer and carries out what it decides. Re-entrant calls are queued. */
  dispatch(input: ServiceInput): void {
    if (this.stopped && input.type !== 'exited') return;
    const step = this.clockStep();
    if (step) this.queue.push(step);
    this.queue.push(input);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      while (this.queue.length > 0) {
        const next = this.queue.shift()!;
        const now = this.deps.clock.now();
        const d = decide(this.s, next, { now, random: this.deps.random ?? Math.random, newId: (k) => newId(k, now) }, this.policy);
        this.s = d.state;
        // Before the effects: a run is counted on disk before it is launched, and a run given back leaves the ledger too.
        this.followLedger();
        this.cutNow = [];
        this.heldWithCut = [];
        for (const effect of d.effects) this.execute(effect);
        // No escalation followed (not expected): the held step goes out as it is.
        for (const event of this.heldWithCut) this.deps.emit(event);
        this.cutNow = [];
        this.heldWithCut = [];
      }
    } finally {
      this.dispatching = false;
    }
    this.deps.persist();
    this.tellStartupWindow();
    this.armWake();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Writes the budget's ledger when the reducer's run list differs from what it was last given (the reducer owns the list). */
  private followLedger(): void {
    if (!this.deps.agentLedger) return;
    const runs = JSON.stringify(this.s.agentRuns);
    if (runs === this.ledgerRuns) return;
    this.ledgerRuns = runs;
    this.deps.agentLedger(this.s.agentRuns);
  }

  /** A step of the wall clock since the last look, as the reducer's input that moves its times (undefined: none). */
  private clockStep(): ServiceInput | undefined {
    const byMs = this.clockSteps.take();
    if (byMs === 0) return undefined;
    // The wake's timer was armed from a reading on the old scale.
    this.wake?.timer.cancel();
    this.wake = undefined;
    return { type: 'clock-stepped', byMs };
  }

  /**
   * `waitsForDependencies`: adopt and answer requests now, start only at dependenciesReady(). `instance`: the live
   * instance of the runtime this one replaces (a reload that changed only its probes...), taken over with its exit status.
   */
  /** Before boot: a Level 3 run a killed daemon left unrecorded is judged (reverted) before the service starts on its files. */
  async judgeOrphanAgentRun(): Promise<void> {
    await this.deps.repairers.agent?.judgeOrphan?.(this.s.work?.incidentId).catch(() => undefined);
  }

  boot(opts: { waitsForDependencies?: boolean; instance?: ServiceInstance; updateInFlight?: string } = {}): Promise<void> {
    const prev = this.s.instance;
    let adopted: ServiceInstance | undefined;
    if (prev) {
      const handed = opts.instance;
      adopted = handed && handed.pid === prev.pid && handed.isRunning() ? handed : adoptInstance(prev, this.deps.clock);
      if (!adopted && !this.deps.launch) {
        // The old instance is gone; whatever it left in its group must not hold the port.
        killLeftovers(prev.pid);
        this.lastGroup = prev.pid;
      }
    }
    if (adopted) this.attach(adopted);
    const bootedAt = lastBootAt(this.deps.clock);
    this.dispatch({
      type: 'boot',
      adopted: adopted ? { pid: adopted.pid, pidStartTime: adopted.pidStartTime, startedAt: adopted.startedAt } : null,
      ...(opts.waitsForDependencies ? { waitsForDependencies: true } : {}),
      ...(bootedAt !== undefined ? { machineBootedAt: bootedAt } : {}),
      ...(opts.updateInFlight ? { updateInFlight: opts.updateInFlight } : {}),
    });
    this.heardBoot();
    // Only a start is waited for: a stop the boot carries on (a grace of minutes) must not hold the daemon's start-up.
    return this.settled(this.policy.stopGraceMs + 30_000, 'starting');
  }

  /**
   * Resolves once a start under way is over, bounded by how long that start may take: an external service's manager has
   * `external.timeout` for its start command and as long again for the pid. What its dependents wait for before the 60 s
   * for its health: boot()'s own bound (stop grace + 30 s) started them "anyway" while their dependency's start ran.
   */
  startDone(): Promise<void> {
    return this.settled(this.policy.stopGraceMs + 2 * (this.config.external?.timeout ?? 0) + 30_000, 'starting');
  }

  /** What this service depends on is healthy (or the wait for it is over): the start its boot deferred. */
  dependenciesReady(): Promise<void> {
    this.dispatch({ type: 'dependencies-ready' });
    return this.settled(this.policy.stopGraceMs + 30_000);
  }

  start(by: Requester = 'human'): Promise<ActionResult> {
    return this.request('start', by);
  }

  stop(by: Requester = 'human'): Promise<ActionResult> {
    return this.request('stop', by);
  }

  restart(by: Requester = 'human', runId?: string): Promise<ActionResult> {
    return this.request('restart', by, runId);
  }

  resume(by: Requester = 'human'): Promise<ActionResult> {
    return this.request('resume', by);
  }

  /** Asks the reducer, then waits (bounded) until the service is no longer starting or stopping. */
  async request(action: 'start' | 'stop' | 'restart' | 'resume' | 'doctor' | 'reset', by: Requester, runId?: string, who?: string): Promise<ActionResult> {
    // Handed to a new runtime by a reload, this one takes no facts any more (its request was dropped, its answer a guess):
    // the new one owns the service now, and decides the request.
    if (this.stopped && this.handedTo) {
      const next = await this.successor();
      if (next) return next.request(action, by, runId, who);
    }
    // It takes no facts any more (removed or replaced by a reload, the daemon shutting down): the request is dropped, and
    // its caller was told the stale picture as if done ("restart web: running (pid null)", exit 0).
    if (this.stopped) {
      const why = this.handedTo ? 'the config reload that was replacing it built no new runtime (the daemon is stopping, or a step of the reload failed: see `clawback status`); try again' : `a ${this.lastOrder.what} ended its supervision here`;
      return { ok: false, message: `${action} ${this.name}: not carried out: ${why}` };
    }
    if (action === 'reset') return this.reset(by, who);
    const before = this.s.work;
    const phaseBefore = this.s.phase;
    const restartsBefore = this.s.restartsTotal;
    // A standby stopped or held here is out of the elections; this request may put it back in, which its 409 must say.
    const outBefore = this.s.desired !== 'up' || !!this.s.held || !!this.s.maintenance;
    const order = by === 'human' ? this.order(`\`${action}\` request`) : this.lastOrder.seq;
    const startBefore = phaseBefore === 'starting' && !this.s.instance ? this.startAbort : undefined;
    if (action === 'stop' || action === 'restart') this.stopNotSent = undefined;
    this.dispatch({ type: 'request', action, by, ...(runId ? { runId } : {}) });
    // A person's start, resume or restart of a service whose start is under way (its preflight's validator, up to a
    // minute) is answered at once, not after that validator: a restart once the start it cancelled has ended.
    if (startBefore && by === 'human' && (action === 'start' || action === 'resume' || action === 'restart')) {
      if (action === 'restart') await this.until(this.requestBoundMs(), () => this.s.phase === 'starting' && this.startAbort === startBefore);
      if (this.s.phase === 'starting' && !this.s.instance && (action !== 'restart' || this.startAbort !== startBefore)) {
        const said = action === 'restart' ? 'the start under way was cancelled; starting again' : 'already starting';
        return { ok: true, message: `${action} ${this.name}: ${said}${this.preflightText()}` };
      }
    }
    // The reducer counted no new restart of a service on its way down to be started, or starting: this request joined
    // the restart (or start) under way, and its caller is told so, not that it restarted the service itself.
    // Not when it cancelled that start: what its manager brought up all the same (an external service) was stopped first,
    // and the restart said "joined the start already under way" of a start it had cancelled and redone.
    const redone = action === 'restart' && by === 'human' && startBefore?.signal.aborted === true;
    const joined = !redone && action === 'restart' && by === 'human' && this.s.restartsTotal === restartsBefore && (phaseBefore === 'stopping' || phaseBefore === 'starting') && !this.s.work;
    const joinedText = joined ? `; joined the ${phaseBefore === 'stopping' ? 'restart' : 'start'} already under way (no second restart)` : redone ? '; the start under way was cancelled and started again' : '';
    // The run is the answer, read at once: waiting to settle first, a quick run's restart (or its verification) came
    // back as "not started" for a run that did start.
    if (action === 'doctor') {
      const w = this.s.work;
      if (w?.kind === 'doctor' && w.id !== before?.id) return { ok: true, message: `doctor ${this.name}: running (run ${w.id})`, runId: w.id };
      const why = before ? `${article(before.kind)} ${before.kind} run is in flight (${before.id})` : !this.s.incident ? 'it has no open incident (the daemon repairs a service that fails, never a live healthy one)' : 'the daemon did not start a run';
      return { ok: false, message: `doctor ${this.name}: not started: ${why}` };
    }
    await this.settled(this.requestBoundMs());
    const s = this.status();
    const pl = this.s.placement;
    if ((action === 'start' || action === 'restart' || action === 'resume') && pl && !pl.active && s.state !== 'running') {
      const back = outBefore && this.s.desired === 'up' && !this.s.held && !this.s.maintenance ? `; ${this.name} takes part in the elections here again (this member starts it if it wins the lease)` : '';
      return { ok: false, message: `standby: ${pl.holder ?? 'no member (an election is under way)'} holds the lease of ${this.name}${back}` };
    }
    const where = s.state === 'running' ? `running (pid ${s.pid})` : s.held ? `held (${s.held.reason}: ${s.held.detail})` : s.state;
    if (action !== 'stop' && s.work?.kind === 'revert') return { ok: true, message: `${action} ${this.name}: waits until the failed ${s.work.doctorRunId ? 'doctor' : 'agent'} run's files are put back, then it is carried out` };
    const ok = action === 'stop' ? s.state !== 'running' : s.state === 'running' || s.state === 'backoff' || s.state === 'starting';
    // Handed to a new runtime by a reload (before or after this request came): the new runtime carries the request on
    // (the start of a restart or start is its) and answers; this disposed one starts nothing, and said "stopped".
    const h = this.handedTo;
    if (!ok && h && (this.lastOrder.seq !== order || order > h.order)) {
      const later = this.lastOrder.seq !== order && this.lastOrder.seq !== h.order ? this.lastOrder.what : undefined;
      const next = await this.successor();
      if (next) return next.answerHandedOver(action, joinedText, later);
    }
    // Another client's order came after this one and the service went its way: say so, or the caller read a failure
    // ("stop web: running") with no cause, and a script could not tell it from a stop that did not work.
    if (!ok && this.lastOrder.seq !== order) return { ok, message: `${action} ${this.name}: ${where}: a later ${this.lastOrder.what} overrode it` };
    // The truth for the person who asked: what their order ended (a repair run at work is not a "preflight"); a resume
    // during a Level 3 run cancels it, and said only "resume gw: running (pid N)".
    const ended = before && (before.kind === 'doctor' || before.kind === 'agent') && s.work?.id !== before.id ? `; its ${before.kind === 'doctor' ? 'doctor' : 'agent'} run ${before.id} was cancelled` : '';
    if (action === 'stop' && ok) {
      const hold = s.held ? `; it stays held (${s.held.reason}: ${s.held.detail}): \`${resumeCommandOf(this.policy)}\` tries again` : '';
      return { ok, message: `${action} ${this.name}: stopped${ended}${hold}` };
    }
    // A person's start goes ahead in maintenance (their word), but healing stays off: say so, or they think it is guarded.
    const m = this.s.maintenance;
    const inMaintenance = m && by === 'human' && action !== 'stop'
      ? `; maintenance is still on (by ${m.by}, ${m.until !== null ? `until ${new Date(m.until).toISOString()}` : 'until turned off'}): started because a person asked, but not restarted or healed if it fails until it ends (\`clawback maintenance ${this.name} off\`)`
      : '';
    // A stop that sent nothing left it running as it was: why, and what to do, not a bare "running (pid N)".
    const refused = (action === 'stop' || action === 'restart') && this.stopNotSent && this.stopNotSent.pid === s.pid ? `; it could not be stopped: ${this.stopNotSent.why}` : '';
    return { ok: ok && !refused, message: `${action} ${this.name}: ${where}${ended}${joinedText}${inMaintenance}${refused}` };
  }

  /**
   * An update's rollback reports what it put back (restore-done): the reducer starts the service, or holds it when some
   * files could not be put back. Waits (bounded) as a request does; the answer says where the service stands.
   */
  async restoreDone(runId: string, failed: Array<{ file: string; error: string }>): Promise<ActionResult> {
    if (this.stopped && this.handedTo) {
      const next = await this.successor();
      if (next) return next.restoreDone(runId, failed);
    }
    if (this.stopped) return { ok: false, message: `${this.name}: the rollback's outcome was not taken: a ${this.lastOrder.what} ended its supervision here` };
    this.dispatch({ type: 'restore-done', runId, failed });
    await this.settled(this.requestBoundMs());
    const s = this.status();
    const where = s.state === 'running' ? `running (pid ${s.pid})` : s.held ? `held (${s.held.reason}: ${s.held.detail})` : s.state;
    return { ok: failed.length === 0 && ['running', 'starting', 'backoff'].includes(s.state), message: `${this.name}: ${where}` };
  }

  /** The resume of an interrupted update is over (see boot's updateInFlight): the reducer takes the start the boot deferred, or holds it with `hold`. */
  async updateResumed(hold?: string): Promise<void> {
    if (this.stopped && this.handedTo) {
      const next = await this.successor();
      if (next) return next.updateResumed(hold);
    }
    if (this.stopped) return;
    this.dispatch({ type: 'update-resumed', ...(hold ? { hold } : {}) });
  }

  /** The preflight step a start waits for, as the answer to a person's request says it ('' when none runs). */
  private preflightText(): string {
    const p = this.preflightStep;
    if (!p) return ' (no process yet)';
    const ran = Math.max(0, Math.round((this.deps.clock.now() - p.since) / 1000));
    return ` (its preflight is ${p.step}: ${p.command.join(' ')}, ${ran} s of up to ${Math.round(p.budgetMs / 1000)} s; \`clawback status\` shows when it runs)`;
  }

  /** `reset`: the reducer zeroes the counts (nothing is started or stopped, so nothing to wait for); answered before -> after. */
  private reset(by: Requester, who?: string): ActionResult {
    const was = { restarts: this.s.restartsTotal, window: this.s.restartHistory.length, attempt: this.s.backoffAttempt };
    this.dispatch({ type: 'request', action: 'reset', by, ...(who ? { who } : {}) });
    const s = this.s;
    const done = s.restartsTotal === 0 && s.restartHistory.length <= 1 && s.backoffAttempt === 0;
    const held = s.held ? `${s.held.reason}: ${s.held.detail}` : null;
    const where = s.instance ? `; running (pid ${s.instance.pid}, not restarted)` : held ? '' : `; ${s.phase}`;
    const stays = held ? `; it stays held (${held}): \`${resumeCommandOf(this.policy)}\` lifts the hold` : '';
    const nothing = was.restarts === 0 && was.window === 0 && was.attempt === 0;
    const counts = nothing ? 'nothing to reset (restarts, crash-loop window and backoff attempt are already 0)' : `restarts ${was.restarts} -> ${s.restartsTotal}, crash-loop window ${was.window} -> ${s.restartHistory.length}${s.restartHistory.length > 0 ? ' (the restart already scheduled stays counted)' : ''}, backoff attempt ${was.attempt} -> ${s.backoffAttempt}`;
    return {
      ok: done,
      message: `reset ${this.name}: ${counts}${where}${stays}`,
      reset: { restarts: { before: was.restarts, after: s.restartsTotal }, window: { before: was.window, after: s.restartHistory.length }, backoffAttempt: { before: was.attempt, after: s.backoffAttempt }, held },
    };
  }

  /**
   * The runtime this one was handed to, waited for as long as the reload takes to build it: the reload resolves it (to
   * undefined when none was built) once done, every step of it bounded. A shorter bound of its own (stop grace + 30 s)
   * dropped a request sent while the reload waited up to 60 s for the service's dependencies ("not carried out ... try
   * again", the stop lost: the service ran on).
   */
  private successor(): Promise<ServiceRuntime | undefined> {
    return this.handedTo?.next ?? Promise.resolve(undefined);
  }

  /** The answer to a request the previous runtime of this service took and handed over with a reload: where it ended here. */
  private async answerHandedOver(action: 'start' | 'stop' | 'restart' | 'resume' | 'doctor', joinedText: string, laterOrder?: string): Promise<ActionResult> {
    await this.settled(this.requestBoundMs());
    const s = this.status();
    const where = s.state === 'running' ? `running (pid ${s.pid})` : s.held ? `held (${s.held.reason}: ${s.held.detail})` : s.state;
    const ok = action === 'stop' ? s.state !== 'running' : s.state === 'running' || s.state === 'backoff' || s.state === 'starting';
    // Its first order is the one that came after the handover; `laterOrder`: one the previous runtime took after this request.
    const later = this.lastOrder.seq !== 0 ? this.lastOrder.what : laterOrder;
    if (!ok && later) return { ok, message: `${action} ${this.name}: ${where}: a later ${later} overrode it` };
    return { ok, message: `${action} ${this.name}: ${where}${joinedText}; a config reload applied its new settings on the way` };
  }

  /** Numbers an order given to this service (see lastOrder); returns its number. */
  private order(what: string): number {
    this.lastOrder = { seq: this.lastOrder.seq + 1, what };
    return this.lastOrder.seq;
  }

  /** The daemon is stopping: a start waiting for its preflight (a validator of up to a minute) is cancelled, nothing spawned. */
  cancelStart(): void {
    this.preflightAbort.abort();
  }

  /**
   * A second stop request during the shutdown (Ctrl-C again): the reducer ends a stop under way at once (SIGKILL of the
   * instance's group), a start's preflight and the strays' grace end too. Returns the instance it cut short, if any.
   */
  stopNow(): { pid: number; graceMs: number } | undefined {
    this.preflightAbort.abort();
    this.strayStop?.abort.abort();
    const pid = this.s.phase === 'stopping' ? this.s.instance?.pid : undefined;
    this.dispatch({ type: 'stop-now' });
    return pid !== undefined ? { pid, graceMs: this.policy.stopGraceMs } : undefined;
  }

  /**
   * `removed`: a reload removes or replaces this service for good (its open incident is closed, not carried).
   * `handedTo`: a reload hands it, running, to the runtime this resolves to (undefined: none was built).
   */
  async dispose(opts: { stopService: boolean; removed?: boolean; handedTo?: Promise<ServiceRuntime | undefined> }): Promise<void> {
    // Nobody would finish the strays' grace once the daemon is gone (and a start waiting for it would hold up the
    // shutdown): survivors are killed now.
    this.strayStop?.abort.abort();
    const order = this.order(opts.removed ? 'config reload that removed or replaced it (see `clawback status`)' : opts.handedTo ? 'config reload that handed it, with its new settings, to a new runtime (see `clawback status`)' : 'daemon shutdown');
    if (opts.handedTo) this.handedTo = { order, next: opts.handedTo };
    this.dispatch({ type: 'shutdown', stopService: opts.stopService, ...(opts.removed ? { removed: true } : {}), ...(opts.removed && opts.handedTo ? { replaced: true } : {}) });
    this.heardBoot();
    // A start still in its preflight ends it (the validator killed): the shutdown does not wait for it, nor start after it.
    this.preflightAbort.abort();
    await this.settled(this.policy.stopGraceMs + 10_000);
    this.stopped = true;
    this.wake?.timer.cancel();
    this.wake = undefined;
    this.health.stop();
    for (const abort of this.work.values()) abort.abort();
    await Promise.race([Promise.allSettled([...this.inFlight]), this.deps.clock.sleep(15_000).catch(() => undefined)]);
    await this.deps.repairers.agent?.release?.().catch(() => undefined);
    this.instance?.release();
    this.deps.persist();
  }

  /**
   * How long a request waits for the service to settle before it answers: its longest stop grace (a person's restart
   * drains with drainGrace) plus a margin, as the CLI's actionWaitMs expects. The stop grace alone answered a restart
   * with a drainGrace past it "restart web: stopping" (HTTP 409, exit 1), and the restart then went through.
   */
  private requestBoundMs(): number {
    // An external service's start cancelled by a person waits up to external.timeout for what its manager brings up.
    return Math.max(this.policy.stopGraceMs, this.policy.drainGraceMs) + (this.config.external?.timeout ?? 0) + 15_000;
  }

  /** Resolves once the phase is neither starting nor stopping (or only `only`; or the bound passed). */
  private settled(boundMs: number, only?: 'starting'): Promise<void> {
    return this.until(boundMs, () => this.s.phase === 'starting' || (only === undefined && this.s.phase === 'stopping'));
  }

  /** Resolves once `busy` is false after an input (or at `boundMs`). */
  private until(boundMs: number, busy: () => boolean): Promise<void> {
    if (!busy()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimeout(() => resolve(), boundMs);
      const check = (): void => {
        if (!busy()) {
          timer.cancel();
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  /**
   * The probes learn the start-up window the reducer decided for the running instance: what is left of it (an adopted
   * instance's window is anchored at its start, or closed when it came up before), not the whole length again.
   */
  private tellStartupWindow(): void {
    const inst = this.instance;
    if (!inst || !this.policy.startupWindowMs) return;
    const until = this.s.instance?.pid === inst.pid ? (this.s.startup?.until ?? null) : null;
    const told = `${inst.pid}:${until}`;
    if (told === this.windowTold) return;
    this.windowTold = told;
    this.health.startupWindow(until === null ? 0 : until - this.deps.clock.now());
  }

  private armWake(): void {
    if (this.stopped) return;
    const at = nextWake(this.s, this.policy);
    if (at === null) {
      this.wake?.timer.cancel();
      this.wake = undefined;
      return;
    }
    if (this.wake && this.wake.at === at) return;
    this.wake?.timer.cancel();
    const delay = Math.max(0, at - this.deps.clock.now());
    this.wake = {
      at,
      timer: this.deps.clock.setTimeout(() => {
        this.wake = undefined;
        this.dispatch({ type: 'tick' });
      }, delay),
    };
  }

  // ---- the effect executor -----------------------------------------------------------------------

  private track<T>(p: Promise<T>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private execute(effect: Effect): void {
    switch (effect.type) {
      case 'emit':
        // A doctor run cut at its deadline ends this climb to a person: the alert waits (bounded) for what the cut run put
        // back and did not try, so the page says it, not only "the doctor did not finish".
        if (this.cutNow.length > 0 && effect.event.type === 'incident.level' && effect.event.level === 4) this.heldWithCut.push(effect.event);
        else if (effect.event.type === 'incident.escalated' && this.cutNow.length > 0) {
          this.track(this.escalateAfterCut(effect.event, this.cutNow, this.heldWithCut));
          this.heldWithCut = [];
        } else this.deps.emit(effect.event);
        return;
      case 'start':
        this.track(this.startEffect(effect.reason, effect.fencingToken));
        return;
      case 'release-placement':
        this.deps.releasePlacement?.(effect.reason);
        return;
      case 'stop':
        this.track(this.stopEffect(effect.graceMs));
        return;
      case 'release':
        this.health.detach();
        this.instance?.release();
        this.instance = undefined;
        return;
      case 'run-doctor':
        this.track(this.runDoctor(effect.runId, effect.incident));
        return;
      case 'run-agent':
        this.track(this.runAgent(effect.runId, effect.incident));
        return;
      case 'cancel-start':
        this.startAbort?.abort(effect.by);
        return;
      case 'cancel-work':
        if (effect.kind === 'doctor' && effect.handover === undefined && this.doctorEnds.has(effect.runId)) this.cutNow.push(this.doctorEnds.get(effect.runId)!);
        // The reason tells an aborted agent run whether a person took over (keep its files) or it failed (revert).
        this.work.get(effect.runId)?.abort(effect.handover !== undefined ? { handover: effect.handover } : undefined);
        return;
      case 'finish-agent':
        if (effect.handover) this.track(this.finishAgent(effect.runId, effect.incidentId, false, effect.reason, true).then(() => undefined));
        else this.track(this.finishAgentEffect(effect.runId, effect.incidentId, effect.keep, effect.reason, effect.notStarted === true));
        return;
      case 'restart-scope':
        this.track(this.restartScope(effect.scope, effect.settleMs));
        return;
      case 'revert-doctor':
        this.track(this.revertDoctor(effect.runId, effect.incidentId, effect.files, effect.reason));
        return;
    }
  }

  /** Restarts one part, says how it went, gives it its settle time, then lets the probes judge this instance again. */
  private async restartScope(scope: ReadinessScope, settleMs: number): Promise<void> {
    const inst = this.instance;
    const fn = this.deps.repairers.scoped;
    const runId = newId('run', this.deps.clock.now());
    const abort = new AbortController();
    this.work.set(runId, abort);
    try {
      let result: { ok: boolean; accounts: string[]; summary: string };
      try {
        if (!fn) throw new Error('no scoped restart configured');
        result = await fn(scope, abort.signal);
      } catch (err) {
        result = { ok: false, accounts: [], summary: (err as Error)?.message ?? String(err) };
      }
      if (abort.signal.aborted || this.stopped) return;
      const accounts = result.accounts.length > 0 ? ` (account ${result.accounts.join(', ')})` : '';
      this.deps.emit({
        type: 'service.scope-restarted',
        time: this.deps.clock.now(),
        // An action on the service, like a restart: notified (it names the channel and the account).
        severity: 'warning',
        service: this.name,
        ...(this.s.incident ? { incidentId: this.s.incident.id } : {}),
        level: 1,
        message: `${this.name}: channel ${scope.channel}${accounts} ${result.ok ? 'restarted through the gateway' : 'could not be restarted through the gateway'}: ${result.summary}; readiness is judged again in ${Math.round(settleMs / 1000)} s`,
        details: { scope: scopeKey(scope), channel: scope.channel, accounts: result.accounts, ok: result.ok, summary: result.summary, settleMs },
      });
      await this.deps.clock.sleep(settleMs, abort.signal);
    } catch {
      return; // aborted: the daemon is stopping
    } finally {
      this.work.delete(runId);
    }
    // The same instance, judged again: readiness that holds resolves the incident, a new failure restarts the whole.
    if (inst && this.instance === inst && !this.stopped) {
      this.health.attach(inst);
      this.windowTold = '';
      this.tellStartupWindow();
    }
  }

  private async startEffect(reason: StartReason, fencingToken?: number): Promise<void> {
    const mine = new AbortController();
    this.startAbort = mine;
    try {
      await this.startSteps(reason, mine.signal, fencingToken);
    } finally {
      if (this.startAbort === mine) this.startAbort = undefined;
    }
  }

  private async startSteps(reason: StartReason, cancelled: AbortSignal, fencingToken?: number): Promise<void> {
    try {
      await this.waitForLeftovers();
      if (this.deps.preflight) {
        let answer: PreflightAnswer;
        try {
          answer = await this.deps.preflight((step) => this.preflightStarted(step), AbortSignal.any([this.preflightAbort.signal, cancelled]));
        } finally {
          this.preflightStep = undefined;
        }
        if (this.preflightAbort.signal.aborted) {
          this.dispatch({ type: 'start-cancelled' });
          return;
        }
        // A person's stop or restart ended it (the validator killed): not a failed preflight, whatever the validator said.
        if (cancelled.aborted) {
          this.dispatch({ type: 'start-cancelled', by: cancelledBy(cancelled) });
          return;
        }
        const refusal = preflightRefusal(answer);
        if (refusal) {
          this.dispatch(refusal);
          return;
        }
      }
      if (cancelled.aborted) {
        this.dispatch({ type: 'start-cancelled', by: cancelledBy(cancelled) });
        return;
      }
      const inst = this.deps.launch ? await this.deps.launch(reason, cancelled, this.preflightAbort.signal) : spawnInstance(this.specWithToken(fencingToken), this.deps.clock);
      // Found as the daemon stops (or a reload replaces this runtime): an external service outlives the daemon, left
      // to its manager for whoever supervises next, never stopped here nor journaled started.
      if (this.deps.launch && this.preflightAbort.signal.aborted && inst.pid > 0) {
        inst.release();
        this.dispatch({ type: 'start-cancelled' });
        return;
      }
      // The guard goes up in the same tick as the spawn: from here on a paused daemon cannot keep the instance alive.
      if (inst.pid > 0 && this.deps.fenceGuard) this.guards.set(inst.pid, this.deps.fenceGuard(inst.pid));
      if (this.stopped) {
        // The daemon went away while this start was under way: nobody would supervise it.
        if (inst.pid > 0) await inst.stop(this.config.stop.signal, this.policy.stopGraceMs);
        return;
      }
      if (inst.pid <= 0) {
        const info = await inst.exited;
        if (daemonExhausted(info.spawnErrorCode)) this.deps.onSpawnFault?.(Object.assign(new Error(`${this.name} could not be started: ${info.spawnError ?? 'spawn failed'}`), { code: info.spawnErrorCode }));
        this.dispatch({ type: 'start-failed', error: info.spawnError ?? 'the process could not be spawned', ...(daemonExhausted(info.spawnErrorCode) ? { exhausted: true } : {}), ...(info.spawnErrorCode ? { code: info.spawnErrorCode } : {}) });
        return;
      }
      // A person's stop or restart came while its manager started it (an external start command, or the wait for its
      // pid): said as a cancelled start, never "started"; what came up all the same is the reducer's to stop.
      if (cancelled.aborted) {
        this.attach(inst);
        this.dispatch({ type: 'start-cancelled', by: cancelledBy(cancelled), instance: { pid: inst.pid, pidStartTime: inst.pidStartTime, startedAt: inst.startedAt } });
        return;
      }
      this.deps.onSpawned?.();
      this.attach(inst);
      this.dispatch({ type: 'started', instance: { pid: inst.pid, pidStartTime: inst.pidStartTime, startedAt: inst.startedAt }, reason });
      if (inst.logError !== undefined) {
        this.logBlocked = { pid: inst.pid, error: inst.logError };
        this.deps.emit({
          type: 'daemon.fault',
          time: this.deps.clock.now(),
          severity: 'warning',
          service: this.name,
          message: `${this.name}: its log cannot be written: ${inst.logError}; the service runs all the same, the newest ${HOLD_MAX_BYTES / 1024} KiB of its output held in memory and written to the log, after a line saying what was lost, once it can be written again`,
          details: { effect: 'service-log', error: inst.logError },
        });
        this.deps.onLogFault?.(Object.assign(new Error(`${this.name}: ${inst.logError}`), inst.logErrorCode ? { code: inst.logErrorCode } : {}));
      }
    } catch (err) {
      // The daemon stops or a reload replaces this runtime: the launch was cut short (its start command killed).
      if (this.deps.launch && this.preflightAbort.signal.aborted) {
        this.dispatch({ type: 'start-cancelled' });
        return;
      }
      // The launch ended because a person stopped or restarted this start (its start command killed): nothing failed.
      if (cancelled.aborted) {
        this.dispatch({ type: 'start-cancelled', by: cancelledBy(cancelled) });
        return;
      }
      if (daemonExhausted((err as NodeJS.ErrnoException)?.code)) this.deps.onSpawnFault?.(err);
      this.dispatch({ type: 'start-failed', error: (err as Error)?.message ?? String(err), ...(daemonExhausted((err as NodeJS.ErrnoException)?.code) ? { exhausted: true } : {}) });
    }
  }

  /** Journals the preflight's slow step and keeps it for status: between an exit and the next start, this is what runs. */
  private preflightStarted(step: PreflightStep): void {
    const since = this.deps.clock.now();
    this.preflightStep = { step: step.step, command: [...step.command], since, budgetMs: step.budgetMs };
    this.deps.emit({
      type: 'service.preflight',
      time: since,
      severity: 'info',
      service: this.name,
      ...(this.s.incident ? { incidentId: this.s.incident.id } : {}),
      message: `${this.name}: preflight: ${step.step} (${step.command.join(' ')}), up to ${Math.round(step.budgetMs / 1000)} s before the start`,
      details: { step: step.step, command: [...step.command], budgetMs: step.budgetMs },
    });
  }

  private specWithToken(token: number | undefined): SpawnSpec {
    const spec = this.deps.spawnSpec();
    return token === undefined ? spec : { ...spec, env: { ...spec.env, [FENCING_TOKEN_ENV]: String(token) } };
  }

  /**
   * A leader that died can leave a slow-dying child in its group (a large heap takes a moment): the next
   * start waits for the group to be gone, bounded by the stop grace, instead of finding the port held.
   */
  private async waitForLeftovers(): Promise<void> {
    await this.strayStop?.done;
    const pgid = this.lastGroup;
    if (pgid === undefined || this.deps.launch) return;
    const deadline = this.deps.clock.monotonic() + this.policy.stopGraceMs;
    while (leftoversHolding(pgid) && this.deps.clock.monotonic() < deadline) {
      signalGroup(pgid, 'SIGKILL');
      await this.deps.clock.sleep(20);
    }
    this.lastGroup = undefined;
  }

  private async stopEffect(graceMs: number): Promise<void> {
    const inst = this.instance;
    if (!inst) return;
    try {
      await inst.stop(this.config.stop.signal, graceMs);
    } catch (err) {
      const nothingSent = err instanceof StopNotSent;
      this.stopNotSent = nothingSent ? { pid: inst.pid, why: err.message } : undefined;
      this.dispatch({ type: 'effect-failed', effect: 'stop', error: (err as Error)?.message ?? String(err), ...(nothingSent ? { nothingSent } : {}) });
    }
  }

  /** The log error of the running instance while its log still cannot be written (undefined once it can, or it is gone). */
  logBlockedNow(): string | undefined {
    return this.logBlocked && this.instance?.pid === this.logBlocked.pid ? this.logBlocked.error : undefined;
  }

  /** The running instance's log can be written again (the observe loop checked). */
  logWritable(): void {
    this.logBlocked = undefined;
  }

  private attach(inst: ServiceInstance): void {
    this.instance = inst;
    // An adopted instance started before this daemon: its age is read once, on the wall clock.
    const age = Math.max(0, this.deps.clock.now() - inst.startedAt);
    this.instanceStartMono = this.deps.clock.monotonic() - age;
    // The probes' startupGrace too runs from the instance's start: an adopted one is not given its whole grace again.
    this.health.attach(inst, age);
    this.windowTold = '';
    void inst.exited.then((info) => this.onExit(inst, info));
  }

  private onExit(inst: ServiceInstance, info: ExitInfo): void {
    this.guards.get(inst.pid)?.cancel();
    this.guards.delete(inst.pid);
    if (this.instance !== inst) return;
    this.instance = undefined;
    this.health.detach();
    const strays = this.deps.launch ? 0 : this.stopStrays();
    const leftovers = this.deps.launch ? 0 : killLeftovers(inst.pid) + strays;
    if (!this.deps.launch) this.lastGroup = inst.pid;
    void this.reportExit(inst, info, leftovers, strays);
  }

  /**
   * What the exited instance left outside its group (a daemon that forked into its own session) goes with it, as
   * under systemd's control-group kill: left alone, every restart added a copy that nothing supervised or stopped.
   * Gently, as a stop is: the stop signal, the stop grace to flush and exit, then SIGKILL (at once if the daemon stops).
   */
  private stopStrays(): number {
    const strays = strayProcesses(this.deps.spawnSpec().env);
    if (strays.length === 0) return 0;
    signalKnown(strays, this.config.stop.signal);
    // A stopped (SIGSTOP'd) process cannot act on the stop signal until it is continued.
    signalKnown(strays, 'SIGCONT');
    const abort = new AbortController();
    const done = this.finishStrays(strays, abort.signal);
    const entry = { done, abort };
    this.strayStop = entry;
    void done.finally(() => {
      if (this.strayStop === entry) this.strayStop = undefined;
    });
    this.track(done);
    return strays.length;
  }

  /** Waits (bounded by the stop grace, cut short by `signal`) for the strays to exit, then kills any still there. */
  private async finishStrays(strays: readonly KnownProcess[], signal: AbortSignal): Promise<void> {
    const clock = this.deps.clock;
    const deadline = clock.monotonic() + this.policy.stopGraceMs;
    const alive = (): KnownProcess[] => strays.filter((p) => p.startTime !== undefined && isSameProcess(p.pid, p.startTime));
    while (alive().length > 0 && clock.monotonic() < deadline && !signal.aborted) {
      await clock.sleep(Math.min(25, Math.max(1, deadline - clock.monotonic())), signal).catch(() => undefined);
    }
    signalKnown(alive(), 'SIGKILL');
  }

  /** The exit with the service's last words (a bounded, redacted tail of its log: about a millisecond). */
  private async reportExit(inst: ServiceInstance, info: ExitInfo, leftovers: number, strays: number): Promise<void> {
    const file = this.deps.logFile;
    const lastLines = file ? await lastLogLines(file, 20, this.deps.redactor ?? { redact: (t) => t }) : [];
    // An instance started straight on its log (logStartOffset: no helper between) that failed on a disk now full died of
    // it (ENOSPC on its own console.log): the exit names that cause, not a bare "exit code 1".
    const failed = info.statusKnown && info.signal === null && info.code !== 0;
    const logDiskFull = file && failed && inst.logStartOffset !== undefined ? logDiskFullText(file) : undefined;
    const notBefore = this.deps.pausedSince?.(info.at);
    this.dispatch({
      type: 'exited',
      pid: inst.pid,
      code: info.code,
      signal: info.signal,
      at: info.at,
      statusKnown: info.statusKnown,
      ...(notBefore !== undefined ? { notBefore } : {}),
      ...(lastLines.length > 0 ? { lastLines } : {}),
      ...(leftovers > 0 ? { leftoversKilled: leftovers } : {}),
      ...(strays > 0 ? { outsideGroup: strays } : {}),
      ...(logDiskFull !== undefined ? { logDiskFull } : {}),
    });
  }

  /** Runs one repair under its run id, so cancel-work can abort it; a thrown error becomes `failed(message)`. */
  private async runWork<T>(runId: string, body: (signal: AbortSignal) => Promise<T>, failed: (message: string) => T): Promise<{ result: T; aborted: AbortSignal | false }> {
    const abort = new AbortController();
    this.work.set(runId, abort);
    let result: T;
    try {
      result = await body(abort.signal);
    } catch (err) {
      result = failed((err as Error)?.message ?? String(err));
    } finally {
      this.work.delete(runId);
    }
    return { result, aborted: abort.signal.aborted ? abort.signal : false };
  }

  /** Runs the doctor; what it says when it ends is kept for an escalation its cut leads to (escalateAfterCut). */
  private runDoctor(runId: string, incident: Incident): Promise<void> {
    const said = this.runDoctorBody(runId, incident);
    this.doctorEnds.set(runId, said.catch(() => ''));
    return said.then(
      () => void this.doctorEnds.delete(runId),
      () => void this.doctorEnds.delete(runId),
    );
  }

  /**
   * Sends the escalation once the cut runs said what they did (at most CUT_WORD_WAIT_MS; then as it is, their word
   * following in the journal), their words added to the message a person reads.
   */
  private async escalateAfterCut(event: ClawbackEvent, cut: Promise<string>[], before: ClawbackEvent[]): Promise<void> {
    const bound = new AbortController();
    const words = await Promise.race([
      Promise.all(cut),
      this.deps.clock.sleep(CUT_WORD_WAIT_MS, bound.signal).then(
        () => undefined,
        () => undefined,
      ),
    ]);
    bound.abort();
    // The Level 4 step goes with its page, not ahead of it without the cut run's word.
    for (const step of before) this.deps.emit(step);
    const text = words === undefined ? `the cut doctor run did not say within ${CUT_WORD_WAIT_MS / 1000} s what it put back (see the journal)` : words.filter((w) => w !== '').join('; ');
    if (text === '') return this.deps.emit(event);
    this.deps.emit({ ...event, message: `${event.message}\nThe cut doctor run: ${text}`, details: { ...event.details, cutRun: text } });
  }

  private async runDoctorBody(runId: string, incident: Incident): Promise<string> {
    const fn = this.deps.repairers.doctor;
    const { result, aborted } = await this.runWork<{ outcome: DoctorOutcome; summary: string; files?: DoctorFileChange[]; otherRepairs?: string[]; personOnly?: string }>(
      runId,
      async (signal) => {
        if (!fn) throw new Error('no doctor configured');
        const r = await fn(incident, signal);
        return { outcome: r.outcome ?? (r.fixed ? 'fixed' : 'not-fixed'), summary: r.summary, ...(r.files?.length ? { files: r.files } : {}), ...(r.otherRepairs?.length ? { otherRepairs: r.otherRepairs } : {}), ...(r.personOnly ? { personOnly: r.personOnly } : {}) };
      },
      (msg) => ({ outcome: 'not-fixed', summary: `the doctor failed: ${msg}` }),
    );
    if (!aborted) this.dispatch({ type: 'doctor-done', runId, ...result });
    return result.summary;
  }

  private async runAgent(runId: string, incident: Incident): Promise<void> {
    const agent = this.deps.repairers.agent;
    const { result, aborted } = await this.runWork<{ outcome: AgentOutcome; summary: string; detail: string; launched?: boolean; busyUntil?: number }>(
      runId,
      (signal) => {
        if (!agent) throw new Error('no agent configured');
        return agent.run(incident, runId, signal);
      },
      (msg) => ({ outcome: 'failed', summary: msg, detail: `the agent could not run: ${msg}` }),
    );
    if (aborted) {
      // A person took over: their files stay as they are (listed). Its deadline passed or the daemon is stopping: undo what it changed.
      const handover = (aborted.reason as { handover?: string } | undefined)?.handover;
      await this.finishAgent(runId, incident.id, false, handover ?? 'the run was cancelled', handover !== undefined);
      return;
    }
    this.dispatch({ type: 'agent-done', runId, ...result });
  }

  /** Carries out the reducer's revert of a doctor run's files and reports what was put back (the ladder climbs after). */
  private async revertDoctor(runId: string, incidentId: string, files: DoctorFileChange[], reason: string): Promise<void> {
    const fn = this.deps.repairers.doctorRevert;
    try {
      const r = fn ? await fn(files, runId, incidentId, reason) : { reverted: [], kept: files.map((f) => `${f.path}: no doctor to revert it`) };
      this.dispatch({ type: 'doctor-reverted', runId, reverted: r.reverted, kept: r.kept });
    } catch (err) {
      this.dispatch({ type: 'doctor-reverted', runId, reverted: [], kept: [], error: (err as Error)?.message ?? String(err) });
    }
  }

  /** Carries out the reducer's keep-or-revert; a revert is reported back (the ladder climbs only once files are put back). */
  private async finishAgentEffect(runId: string, incidentId: string, keep: boolean, reason: string, notStarted = false): Promise<void> {
    const error = await this.finishAgent(runId, incidentId, keep, reason, false, notStarted);
    if (!keep) this.dispatch({ type: 'agent-reverted', runId, ...(error !== undefined ? { error } : {}) });
  }

  /**
   * Keep or revert once per run: a run cancelled at its deadline is reverted both by its own ending and by the
   * reducer's order; the second caller waits for the first instead of reverting (and reporting) again.
   * Resolves to the error message when it failed.
   */
  private finishAgent(runId: string, incidentId: string, keep: boolean, reason: string, handover = false, notStarted = false): Promise<string | undefined> {
    const key = `${runId}:${handover ? 'handover' : keep ? 'keep' : 'revert'}`;
    const running = this.finishes.get(key);
    if (running) return running;
    const p = (async (): Promise<string | undefined> => {
      try {
        await this.deps.repairers.agent?.finish(runId, incidentId, keep, reason, handover || undefined, notStarted || undefined);
        return undefined;
      } catch (err) {
        const error = (err as Error)?.message ?? String(err);
        this.dispatch({ type: 'effect-failed', effect: 'finish-agent', error });
        return error;
      }
    })();
    this.finishes.set(key, p);
    // Bounded: agent runs are few (the budget); forget all but the latest few.
    if (this.finishes.size > 16) this.finishes.delete(this.finishes.keys().next().value!);
    return p;
  }
}

/** A spawn refused for the daemon's own lack of processes, descriptors or memory: not the service failing to start. */
function daemonExhausted(code: string | undefined): boolean {
  return code === 'EAGAIN' || code === 'EMFILE' || code === 'ENFILE' || code === 'ENOMEM';
}
