// The one owner of every decision about a service: (state, input, now, policy) -> (state, effects). No I/O here.
import type { ClawbackEvent, EventType, Level, PayloadOf, Severity } from '../observe/events.js';
import { formatDuration } from '../config/duration.js';
import { backoffDelay, isStableRun } from '../supervisor/backoff.js';
import { recordRestart } from '../supervisor/intensity.js';
import type { AgentOutcome, Decision, DoctorFileChange, Effect, ServiceInput } from './inputs.js';
import { AGENT_BUSY_MARGIN_MS, AGENT_BUSY_RETRIES, AGENT_BUSY_WAIT_MAX_MS, AGENT_RESTARTS_PER_RUN, REVERT_DEADLINE_MS, resumeCommandOf, type ServicePolicy } from './policy.js';
import type { AgentTried, HoldReason, Incident, IncidentCause, LastExit, ServiceState, StartReason, Work } from './service-state.js';
import { isReadinessFinding, scopeKey, scopeOfFinding } from '../probes/readiness-scope.js';
import { formatTtr } from '../observe/time-to-recover.js';
import { withoutEscapes } from '../platform/terminal-escapes.js';
import { startupWaitText } from './startup-window.js';

export interface DecideContext {
  now: number;
  /** In [0, 1): backoff jitter. */
  random(): number;
  /** A fresh id for an incident ("inc") or a piece of work ("run"). */
  newId(kind: 'inc' | 'run'): string;
}

export const LEVEL_NAMES: Record<Level, string> = { 0: 'keep-alive', 1: 'watchdog', 2: 'doctor', 3: 'emergency', 4: 'human' };

/**
 * How long a verification may wait for the first healthy verdict on top of the window itself: at least the probes'
 * start-up grace, or a gateway that starts cold in 60-80 s (OpenClaw on a loaded box) had a good repair put back.
 */
export function verifyStartAllowance(verifyWindowMs: number, startupGraceMs = 0): number {
  return Math.max(verifyWindowMs, 30_000, startupGraceMs);
}

/** How long a verification's service must stay healthy: the doctor's window for a doctor run's files, else the agent's. */
function verifyWindowOf(w: Work, p: ServicePolicy): number | null {
  if (w.doctorRunId) return p.doctorVerifyWindowMs;
  return p.agent ? p.agent.verifyWindowMs : null;
}

export function decide(prev: ServiceState, input: ServiceInput, ctx: DecideContext, policy: ServicePolicy): Decision<ServiceState> {
  const step = new Step(structuredClone(prev), ctx, policy);
  step.apply(input);
  return { state: step.s, effects: step.fx };
}

/**
 * When the running instance's backoff resets for a stable run (null: not due). Time in its start-up window is no stable
 * run: a start that never came up keeps its backoff growing; a flapping series keeps it too.
 */
function stableRunAt(s: ServiceState, p: ServicePolicy): number | null {
  if (!s.instance || s.phase !== 'running' || s.startup || s.backoffAttempt === 0 || s.flapping) return null;
  return s.instance.startedAt + p.stableAfterMs;
}

/** The earliest time the reducer wants a `tick` (null: nothing is due). */
export function nextWake(s: ServiceState, p: ServicePolicy): number | null {
  const times: number[] = [];
  if (s.phase === 'backoff' && s.nextStartAt !== null && !s.disposed) times.push(s.nextStartAt);
  if (s.coolDownUntil !== null) times.push(s.coolDownUntil);
  if (s.maintenance?.until != null) times.push(s.maintenance.until);
  const remind = maintenanceReminderDue(s, p);
  if (remind !== null) times.push(remind);
  if (s.work) {
    times.push(s.work.deadline);
    const win = s.work.kind === 'verify' ? verifyWindowOf(s.work, p) : null;
    if (s.work.healthySince != null && win !== null) times.push(s.work.healthySince + win);
  }
  const confirm = confirmDue(s, p);
  if (confirm !== null) times.push(confirm);
  const stable = stableRunAt(s, p);
  if (stable !== null) times.push(stable);
  const calm = flappingEnds(s, p);
  if (calm !== null) times.push(calm);
  if (s.placement?.active && s.placement.stopBy !== null) times.push(s.placement.stopBy);
  if (s.startup && s.instance) times.push(s.startup.until);
  return times.length > 0 ? Math.min(...times) : null;
}

/** A maintenance turned on without an end must not go quiet: when the next reminder that it is still on is due. */
function maintenanceReminderDue(s: ServiceState, p: ServicePolicy): number | null {
  const m = s.maintenance;
  if (!m || m.until !== null || p.maintenanceReminderMs <= 0) return null;
  return (m.remindedAt ?? m.since) + p.maintenanceReminderMs;
}

/** Why a clean exit that left `n` processes outside its group is no finished job and no crash a restart cures. */
function daemonizedText(n: number): string {
  return `; it left ${n} process(es) running outside its process group, so the command daemonizes (forks into the background and exits) and Clawback cannot supervise it: run it in the foreground (its --foreground, --no-daemon or "daemon off" option), or run it as an external service (external: pidFile, startCommand, restartCommand); the copies it left were stopped`;
}

/**
 * When the open incident may resolve: health held for the confirm time since the later of the recovery and the
 * current healthy run. Null while nothing can resolve it (not healthy, work in flight): no wake for it then, or a
 * deadline in the past would wake the daemon again and again while the service is stopped or restarting.
 */
function confirmDue(s: ServiceState, p: ServicePolicy): number | null {
  const at = s.incident?.recoveredAt;
  if (at == null || s.work || s.health !== 'healthy') return null;
  return Math.max(at, s.healthySince ?? at) + p.confirmAfterMs;
}

/** When a flapping series ends (clean running for the window since the last recovery); null while an incident is open. */
function flappingEnds(s: ServiceState, p: ServicePolicy): number | null {
  if (!s.flapping || s.incident) return null;
  return (s.flapping.lastResolvedAt ?? 0) + p.flapping.windowMs;
}

/** Said when a flapping series trips the breaker again: the repair after its last trip did not hold. */
const REPAIR_DID_NOT_HOLD = '; it tripped the breaker before in this series and came back after the repair, so the doctor is not run again';

/** Lines at the end of an exited instance's output that may carry its "restart me" words (later ones are a wrapper's). */
const ASKED_TAIL_LINES = 5;
/**
 * Spawn errors that say the program cannot be executed as configured (missing, not executable, a directory, its #!
 * interpreter missing, arguments too long): the same every time, as systemd's status=203/EXEC. ETXTBSY (a binary being
 * written by an update) and the daemon's own exhaustion (EAGAIN, EMFILE, ENOMEM) pass and are retried with backoff.
 */
const CANNOT_EXEC_CODES: ReadonlySet<string> = new Set(['ENOENT', 'EACCES', 'ENOTDIR', 'EISDIR', 'ENOEXEC', 'ELOOP', 'ENAMETOOLONG', 'E2BIG', 'EPERM']);

/**
 * Pure: does the start after a doctor run get a fresh restart window? Yes when the service sits held unstarted (a crash
 * loop, exit 78, a person's hold at Level 4) and the run repaired it, or was re-armed after a daemon restart (it may have
 * repaired it before it died). Not after a preflight refusal: a repair that does not hold there ends at a human soon.
 */
export function freshWindowAfterDoctor(s: Pick<ServiceState, 'held'>, outcome: 'fixed' | 'nothing-found' | 'not-fixed', rearmed: boolean): boolean {
  if (!s.held || s.held.reason === 'preflight' || s.held.reason === 'repair') return false;
  return outcome === 'fixed' || (outcome === 'nothing-found' && rearmed);
}

/** Whether an instance's last output lines say it exited to be restarted (restart.selfRestartPattern). */
function askedForRestart(pattern: string | undefined, lastLines: readonly string[] | undefined): boolean {
  if (!pattern || !lastLines || lastLines.length === 0) return false;
  const re = new RegExp(pattern);
  return lastLines.slice(-ASKED_TAIL_LINES).some((l) => re.test(l));
}

/**
 * The service's own words (restart.humanOnlyPattern) that only a person can fix what stopped it: the last matching line
 * and the few after it (its hints), or undefined.
 */
function humanOnlyWords(pattern: string | undefined, lastLines: readonly string[] | undefined): string | undefined {
  if (!pattern || !lastLines || lastLines.length === 0) return undefined;
  const re = new RegExp(pattern);
  const lines = lastLines.slice(-ASKED_TAIL_LINES);
  let at = -1;
  for (let i = lines.length - 1; i >= 0 && at < 0; i--) if (re.test(lines[i]!)) at = i;
  if (at < 0) return undefined;
  return lines
    .slice(at, at + 4)
    .map((l) => withoutEscapes(l).trim())
    .filter((l) => l !== '')
    .join(' ');
}

/** Exit code 0, no signal, and the status known (an adopted instance's is not). */
function cleanExit(e: Pick<LastExit, 'code' | 'signal' | 'statusKnown'>): boolean {
  return e.statusKnown && e.code === 0 && !e.signal;
}

function describeExit(e: Pick<LastExit, 'code' | 'signal' | 'statusKnown'>): string {
  return e.signal ? `signal ${e.signal}` : e.statusKnown && e.code !== null ? `exit code ${e.code}` : 'exit';
}

class Step {
  readonly fx: Effect[] = [];
  private readonly now: number;

  constructor(
    readonly s: ServiceState,
    private readonly ctx: DecideContext,
    private readonly p: ServicePolicy,
  ) {
    this.now = ctx.now;
  }

  apply(input: ServiceInput): void {
    switch (input.type) {
      case 'boot':
        return this.boot(input.adopted, input.waitsForDependencies === true, input.machineBootedAt, input.updateInFlight);
      case 'dependencies-ready':
        return this.dependenciesReady();
      case 'started':
        return this.started(input.instance, input.reason);
      case 'start-failed':
        return this.startFailed(input.error, input.exhausted === true, input.code);
      case 'preflight-failed':
        return this.preflightFailed(input.problem, undefined, input.personOnly === true);
      case 'stop-now':
        // Only a stop under way is cut short: a running instance the shutdown leaves (SIGUSR2) is never killed by it.
        if (this.s.phase === 'stopping' && this.s.instance && !this.p.external) {
          this.fx.push({ type: 'stop', graceMs: 0 });
        }
        return;
      case 'start-cancelled':
        if (input.by) return this.startCancelledByPerson(input.by, input.instance);
        // No process ran: the service is stopped, as the shutdown that cancelled the start wants it.
        if (this.s.phase === 'starting' && !this.s.instance) this.s.phase = 'stopped';
        return;
      case 'exited':
        return this.exited(input);
      case 'healthy':
        return this.healthy(input.pid);
      case 'unhealthy':
        return this.unhealthy(input);
      case 'request':
        return this.request(input);
      case 'doctor-done':
        return this.doctorDone(input.runId, input.outcome, input.summary, input.files ?? [], input.otherRepairs ?? [], input.personOnly);
      case 'doctor-reverted':
        return this.doctorReverted(input.runId, input.reverted, input.kept, input.error);
      case 'agent-done':
        return this.agentDone(input.runId, input.outcome, input.detail, input.launched !== false && input.outcome !== 'busy', input.busyUntil);
      case 'agent-reverted':
        return this.agentReverted(input.runId, input.error);
      case 'restore-done':
        return this.restoreDone(input.runId, input.failed);
      case 'update-resumed':
        return this.updateResumed(input.hold);
      case 'tick':
        return this.tick();
      case 'clock-stepped':
        return this.clockStepped(input.byMs);
      case 'effect-failed':
        return this.effectFailed(input.effect, input.error, input.nothingSent === true);
      case 'shutdown':
        return this.shutdown(input.stopService, input.removed === true, input.replaced === true);
      case 'maintenance':
        return input.on ? this.maintenanceOn(input.until ?? null, input.reason ?? '', input.by) : this.maintenanceOff(input.by);
      case 'approval':
        return this.approval(input.incidentId, input.approve, input.by);
      case 'placement':
        return this.placement(input);
    }
  }

  // ---- reporting ---------------------------------------------------------------------------------

  private emit<T extends EventType>(type: T, severity: Severity, message: string, details?: PayloadOf<T>, level?: Level): void {
    const event: ClawbackEvent = { type, time: this.now, severity, message, service: this.p.name };
    if (this.s.incident) event.incidentId = this.s.incident.id;
    if (details) event.details = details as Record<string, unknown>;
    // A warning while a person holds the service in maintenance is sent on its own (no incident opens to carry it).
    if (this.s.maintenance && severity !== 'info') event.details = { ...(event.details ?? {}), maintenance: true };
    if (level !== undefined) event.level = level;
    this.fx.push({ type: 'emit', event });
  }

  // ---- process moves -----------------------------------------------------------------------------

  private startNow(reason: StartReason): void {
    const s = this.s;
    if (s.disposed || s.desired === 'down' || s.instance || s.phase === 'starting') return;
    // An interrupted update's files may be two versions' mix until its resume decides: no start but a person's (which clears it).
    if (s.updateHold) {
      if (s.phase === 'backoff') s.phase = 'stopped';
      s.nextStartAt = null;
      return;
    }
    // A hold stops every start but the repair's own (the agent's restart tool, the verification).
    const repairsOwn = reason === 'verify' || (reason === 'agent' && s.held?.reason === 'repair');
    if (s.held && !repairsOwn) return;
    // A singleton starts only where its lease is held, and only while the lease is surely still ours.
    if (!this.placed()) return;
    s.phase = 'starting';
    s.nextStartAt = null;
    delete s.keptDown;
    const token = s.placement?.token;
    this.fx.push({ type: 'start', reason, ...(token != null ? { fencingToken: token } : {}) });
  }

  /** True when the service may run here: not a singleton, or this member surely holds its lease now. */
  private placed(): boolean {
    const pl = this.s.placement;
    return !pl || (pl.active && pl.stopBy !== null && this.now < pl.stopBy);
  }

  /** Stops the instance; `then` says what follows its exit. False when there was no instance. */
  private stopInstance(graceMs: number, then: NonNullable<ServiceState['afterStop']>): boolean {
    const s = this.s;
    if (!s.instance) return false;
    if (s.phase === 'stopping') {
      // Already on its way down: a stronger follow-up (hold, stay, dispose) wins over a start; a hold lifted since does not.
      // A second stop keeps the note that this one was journaled already (once "stopped", not twice).
      if (then.then === 'stay' && s.afterStop?.then === 'stay') return true;
      // A stop over the restart under way keeps that it was one: 20 stops and restarts at once counted and announced
      // "restarting (manual)" once per restart after a stop, for a single process that went down once.
      if (then.then === 'stay' && s.afterStop?.then === 'start') s.afterStop = { ...then, wasStart: true };
      else if (then.then !== 'start' || s.afterStop?.then === 'start' || this.staleHoldAfterStop()) s.afterStop = then;
      return true;
    }
    s.phase = 'stopping';
    s.afterStop = then;
    const drain = graceMs === this.p.drainGraceMs && this.p.drainGraceMs > this.p.stopGraceMs;
    this.fx.push({ type: 'stop', graceMs, ...(drain ? { drain } : {}) });
    return true;
  }

  /** The stop under way was to hold the service, and that hold was lifted meanwhile (a repair, a revert, a person's doctor). */
  private staleHoldAfterStop(): boolean {
    return this.s.afterStop?.then === 'hold' && !this.s.held;
  }

  private restartInstance(reason: StartReason, graceMs = this.p.stopGraceMs): void {
    if (!this.stopInstance(graceMs, { then: 'start', reason })) this.startNow(reason);
  }

  /**
   * A restart is decided to run now, whoever asked (an exit, a probe, a person, the doctor, the agent, a group peer, the
   * service itself): counted here, once, in `clawback status`'s RESTARTS and, through this event, clawback_restarts_total
   * (by reason). Counted in one place and said in another, the doctor's and the service's own restarts were in RESTARTS
   * but not in /metrics, the agent's and a group peer's in /metrics but not in RESTARTS.
   */
  private restarting(severity: Severity, message: string, details: PayloadOf<'service.restarting'>, level: Level): void {
    this.s.restartsTotal++;
    this.emit('service.restarting', severity, message, details, level);
  }

  /** What a start after an exit is called: a start that never ran (spawn error) was no exit to restart after. */
  private againText(): string {
    const failed = this.s.lastExit?.startError;
    return failed !== undefined ? `starting ${this.p.name} again after its start failed (no process ran: ${failed})` : `restarting ${this.p.name} after its exit`;
  }

  private setHold(reason: HoldReason, detail: string): void {
    const s = this.s;
    s.held = { reason, detail, since: this.now };
    s.nextStartAt = null;
    if (s.phase === 'backoff' || s.phase === 'stopped') s.phase = 'held';
    if (reason === 'repair') this.emit('incident.action', 'info', `${this.p.name}: held while ${detail}`, { action: 'hold-for-repair', detail });
    else this.emit('breaker.tripped', 'critical', `${this.p.name}: restarts stopped (${reason}): ${detail}`, { reason, detail });
  }

  private clearHold(why: string, resetHistory: boolean): void {
    const s = this.s;
    const was = s.held;
    s.held = null;
    // The flapping series is not cleared here: only a person ends it (or the window of clean running). A cool-down retry
    // that cleared it began a fresh series each time: new incidents, the whole climb and the doctor again, for ever.
    if (resetHistory) this.freshRestartWindow();
    if (s.phase === 'held') s.phase = 'stopped';
    if (was && was.reason !== 'repair') this.emit('breaker.resumed', 'info', `${this.p.name}: restarts resumed (${why})`, { reason: why });
  }

  /** Counts a restart in the intensity window; true when the breaker trips. */
  private countRestart(): { tripped: boolean; count: number } {
    const d = recordRestart(this.s.restartHistory, this.now, this.p.intensity);
    this.s.restartHistory = d.history;
    return { tripped: d.tripped, count: d.history.length };
  }

  /** A fresh restart window: no restarts counted, backoff from its first step, no failed starts in a row. */
  private freshRestartWindow(): void {
    this.s.restartHistory = [];
    this.s.backoffAttempt = 0;
    delete this.s.failedStarts;
  }

  /** More starts in a row than intensity.maxRestarts ran out their start-up window (never healthy): the breaker's text, else null. */
  private failedStartsLimit(): string | null {
    const n = this.s.failedStarts ?? 0;
    const win = this.p.startupWindowMs ?? 0;
    if (n <= this.p.intensity.maxRestarts || win <= 0) return null;
    return `${n} starts in a row never came up within their start-up window of ${formatDuration(win)} (limit ${this.p.intensity.maxRestarts} restarts)`;
  }

  /** `count` restarts ran within the window (the one refused is not among them), and it failed again. */
  private crashLoopText(count: number): string {
    const lim = this.p.intensity;
    return `${count} restarts within ${formatDuration(lim.window)} (limit ${lim.maxRestarts}), then it failed again`;
  }

  /** A new incident within the flapping window of the last recovery continues the series: its number (0: none). */
  private recurrence(): number {
    const s = this.s;
    const f = s.flapping;
    if (!f || f.lastResolvedAt === null || this.p.flapping.windowMs <= 0 || this.now - f.lastResolvedAt >= this.p.flapping.windowMs) {
      s.flapping = null;
      return 0;
    }
    f.recurrences++;
    f.lastResolvedAt = null;
    return f.recurrences;
  }

  /** Past maxRecurrences the series trips the breaker like a fast loop (the slow one never fills the intensity window). */
  private flappingLimit(): string | null {
    const n = this.s.incident?.recurrence ?? 0;
    const f = this.s.flapping;
    if (!f || n <= this.p.flapping.maxRecurrences) return null;
    return `flapping: ${n} recurrences in ${formatDuration(this.now - f.since)}, each within ${formatDuration(this.p.flapping.windowMs)} of recovering (limit ${this.p.flapping.maxRecurrences})`;
  }

  /**
   * The series trips the breaker: true when it tripped before and came back after the repair (a doctor that "fixed" a
   * stale lock each time). The doctor again would loop for ever with every incident quiet and nobody paged: the ladder
   * climbs past it (the agent within its budget, then a person).
   */
  private flappingTrippedAgain(): boolean {
    const f = this.s.flapping;
    if (!f) return false;
    const again = f.tripped === true;
    f.tripped = true;
    return again;
  }

  /** How long the service must run clean before a failure the agent failed on counts as a new one (the flapping window). */
  private cleanWindowMs(): number {
    return this.p.flapping.windowMs > 0 ? this.p.flapping.windowMs : this.p.stableAfterMs;
  }

  /** A new incident: the failed agent run stays remembered unless the service ran clean for the window since the last recovery. */
  private agentTriedStill(): void {
    const a = this.s.agentTried;
    if (!a) return;
    if (a.lastResolvedAt !== null && this.now - a.lastResolvedAt >= this.cleanWindowMs()) this.s.agentTried = null;
    else a.lastResolvedAt = null;
  }

  /** The agent failed on this failure in an earlier incident (a person resumed since): why no run starts on its own now. */
  private agentTriedText(a: AgentTried): string {
    return `; no agent run: the agent did not fix this failure in incident ${a.incidentId} ${formatDuration(this.now - a.at)} ago and it came back after a person's resume, so no further paid run starts on its own (it may once ${this.p.name} has run clean for ${formatDuration(this.cleanWindowMs())})`;
  }

  // ---- incidents and the ladder -----------------------------------------------------------------

  /** `recurs` false: not the service failing again (a start the daemon's own exhaustion refused), no recurrence of a series. */
  private openIncident(level: 0 | 1, reason: string, cause?: Partial<IncidentCause>, firstSignalAt = this.now, recurs = true): Incident {
    const s = this.s;
    if (!s.incident) {
      const recurrence = recurs ? this.recurrence() : 0;
      if (recurs) this.agentTriedStill();
      const f = s.flapping;
      s.incident = {
        id: this.ctx.newId('inc'),
        openedAt: this.now,
        firstSignalAt: Math.min(firstSignalAt, this.now),
        ...(cause?.lastExit?.notBefore !== undefined && cause.lastExit.notBefore < Math.min(firstSignalAt, this.now) ? { firstSignalNotBefore: cause.lastExit.notBefore } : {}),
        level,
        highestLevel: level,
        reason,
        doctorRuns: 0,
        agentRuns: 0,
        status: 'open',
        cause: { summary: reason, ...cause },
        recoveredAt: null,
        ...(recurrence > 0 ? { recurrence } : {}),
      };
      const id = s.incident.id;
      const signalAt = s.incident.firstSignalAt!;
      if (recurrence > 0 && f) {
        // One series, not a new story each time: numbered, linked to its first incident, and said to be flapping.
        const text = `incident ${id} opened for ${this.p.name}: ${reason} (recurrence ${recurrence}: it failed again within ${formatDuration(this.p.flapping.windowMs)} of recovering; flapping since incident ${f.firstIncidentId}, ${formatDuration(this.now - f.since)} ago)`;
        this.emit('incident.opened', 'warning', text, { reason, firstSignalAt: signalAt, recurrence, flappingSince: f.since, firstIncidentId: f.firstIncidentId }, level);
      } else this.emit('incident.opened', 'warning', `incident ${id} opened for ${this.p.name}: ${reason}`, { reason, firstSignalAt: signalAt }, level);
      return s.incident;
    }
    const inc = s.incident;
    inc.recoveredAt = null;
    if (cause) inc.cause = { summary: inc.cause?.summary ?? inc.reason, ...inc.cause, ...cause };
    if (inc.status === 'open' && level > inc.level && inc.level < 2) this.enter(level, reason);
    return inc;
  }

  private enter(level: Level, reason: string): void {
    const inc = this.s.incident!;
    delete inc.climbPaused;
    inc.level = level;
    inc.highestLevel = Math.max(inc.highestLevel, level) as Level;
    this.emit('incident.level', level >= 3 ? 'critical' : 'warning', `${this.p.name}: level ${level} (${LEVEL_NAMES[level]}): ${reason}`, { reason }, level);
  }

  /** The next rung above restarts: the doctor while attempts last, then one agent run within budget, then a human. */
  private climb(reason: string, doctorUseless: boolean): void {
    const s = this.s;
    const inc = s.incident ?? this.openIncident(0, reason);
    if (inc.status === 'waiting-human') return;
    if (s.work) return; // the rung in flight answers first
    if (s.maintenance) {
      // A person is at work (e.g. a doctor run they asked for did not fix it): no further rung, no agent, until maintenance ends.
      this.emit('incident.action', 'warning', `${this.p.name}: ${reason}; not climbing the ladder (maintenance)`, { action: 'maintenance-no-climb', reason });
      inc.climbPaused = reason;
      return;
    }
    const p = this.p;
    if (!doctorUseless && inc.doctorRuns < p.doctorAttempts && inc.level <= 2) {
      inc.doctorRuns++;
      this.enter(2, reason);
      this.startWork('doctor', p.doctorTimeoutMs);
      this.emit('incident.action', 'info', `${p.name}: running the doctor (attempt ${inc.doctorRuns} of ${p.doctorAttempts})`, { action: 'doctor', attempt: inc.doctorRuns }, 2);
      this.fx.push({ type: 'run-doctor', runId: s.work!.id, incident: structuredClone(inc) });
      return;
    }
    let budgetNote = '';
    if (p.agent && inc.agentRuns === 0 && !inc.agentNotStarted && inc.level <= 3) {
      const recent = this.recentAgentRuns();
      // A failure the agent did not fix, back after a person's resume: their resume is no request for another paid run.
      const tried = s.agentTried && s.agentTried.incidentId !== inc.id ? s.agentTried : null;
      if (recent.length >= p.agent.budgetRuns) budgetNote = `; no agent run left: the budget of ${p.agent.budgetRuns} run(s) per ${formatDuration(p.agent.budgetWindowMs)} is spent`;
      else if (tried) budgetNote = this.agentTriedText(tried);
      else {
        inc.agentRuns = 1;
        this.enter(3, reason);
        if (s.instance) this.stopInstance(p.stopGraceMs, { then: 'hold' });
        if (p.agent.approval === 'required') {
          this.startWork('approval', p.agent.approvalTimeoutMs);
          this.emit(
            'incident.action',
            'critical',
            `${p.name}: a Level 3 agent run waits for approval (${formatDuration(p.agent.approvalTimeoutMs)}): \`clawback approve ${inc.id}\` or \`clawback refuse ${inc.id}\``,
            { action: 'approval-requested', incidentId: inc.id, deadline: s.work!.deadline },
            3,
          );
          return;
        }
        this.launchAgent();
        return;
      }
    }
    this.human(`${reason}${this.skippedDoctorText(inc, doctorUseless)}${budgetNote || this.skippedAgentText(inc)}`);
    // Held for want of the daemon's rungs: the daemon, once back, climbs on from here (handBackFromGuardian).
    if (p.guardian && s.incident === inc) inc.guardianHeld = reason;
  }

  /** Why the doctor did not run on this climb, when the reason does not say it already (attempts used, or none allowed). */
  private skippedDoctorText(inc: Incident, doctorUseless: boolean): string {
    const n = this.p.doctorAttempts;
    if (doctorUseless) return '';
    if (this.p.guardian) return '; no doctor run under the guardian (no daemon runs): the daemon takes the service back when it is back';
    if (n === 0) return '; no doctor run: doctor.attempts is 0';
    const last = inc.lastRung?.startsWith('doctor: ') ? ` (last: ${inc.lastRung.slice(8)})` : '';
    return `; no doctor run: its ${n} attempt(s) for this incident are used${last}`;
  }

  /** Why no agent ran on this climb (this incident's one run used, a run that never started); at Level 3 the reason is the agent's. */
  private skippedAgentText(inc: Incident): string {
    if (!this.p.agent || inc.level === 3) return '';
    const rung = inc.agentRung ?? (inc.lastRung && !inc.lastRung.startsWith('doctor: ') ? inc.lastRung : undefined);
    const last = rung ? ` (${rung})` : '';
    if (inc.agentNotStarted) return `; no agent run: this incident's run never started${last}`;
    if (inc.agentRuns > 0) return `; no agent run: this incident's one run is used${last}`;
    return '';
  }

  /**
   * The agent runs that count against the budget now. One recorded later than now (the wall clock was set back while
   * the daemon was down: a steady step is shifted by clock-stepped) counts as made now: a clock step does not refund a
   * paid run, and clamped, it holds at most one budget window from now.
   */
  private recentAgentRuns(): number[] {
    if (this.s.agentRuns.some((t) => t > this.now)) this.s.agentRuns = this.s.agentRuns.map((t) => Math.min(t, this.now));
    return this.s.agentRuns.filter((t) => this.now - t < this.p.agent!.budgetWindowMs);
  }

  /** Level 3 for real: the budget is spent now, the service is held for the repair, the run starts. */
  private launchAgent(): void {
    const s = this.s;
    const p = this.p;
    const inc = s.incident!;
    s.agentRuns = [...this.recentAgentRuns(), this.now];
    this.startWork('agent', p.agent!.timeBoxMs + 60_000);
    this.setHold('repair', 'a Level 3 agent is at work');
    this.fx.push({ type: 'run-agent', runId: s.work!.id, incident: structuredClone(inc) });
  }

  /**
   * A failed agent run: its file changes are put back first, and only then does the ladder climb (a person told
   * "Level 4" must not have their own fix reverted under them). The service stays held for the repair meanwhile.
   */
  private revertThenClimb(agentRunId: string, incidentId: string, why: string, climb: string, notStarted = false): void {
    const s = this.s;
    this.fx.push({ type: 'finish-agent', runId: agentRunId, incidentId, keep: false, reason: why, ...(notStarted ? { notStarted: true } : {}) });
    if (!s.incident || s.incident.id !== incidentId) {
      // Not this incident's any more (cannot happen while work is pending): never leave a repair hold without its repair.
      if (s.held?.reason === 'repair') this.clearHold('the repair is over', false);
      return;
    }
    this.startWork('revert', REVERT_DEADLINE_MS, { agentRunId, climb });
    if (!s.held) {
      s.held = { reason: 'repair', detail: "the agent's changes are being reverted", since: this.now };
      s.nextStartAt = null;
      if (s.phase === 'backoff' || s.phase === 'stopped') s.phase = 'held';
    }
  }

  private agentReverted(runId: string, error?: string): void {
    const s = this.s;
    const w = s.work;
    if (w?.kind !== 'revert' || w.agentRunId !== runId) return;
    s.work = null;
    if (error && s.incident) s.incident.lastRung = `${s.incident.lastRung ?? 'agent'}; its changes could not be reverted: ${error}`;
    if (w.personAsked) return this.afterRevert(w.personAsked, error ? ` (its changes could not be reverted: ${error})` : '');
    this.climb(`${w.climb ?? 'the agent did not fix it'}${error ? ` (its changes could not be reverted: ${error})` : ''}`, true);
  }

  /**
   * A doctor run's file repair did not hold: its file changes are put back (only where a file still holds the doctor's
   * bytes), then the ladder climbs past the doctor, as after a failed agent run. Held for the repair meanwhile.
   */
  private revertDoctorThenClimb(w: Pick<Work, 'doctorRunId' | 'incidentId' | 'doctorFiles' | 'doctorSummary' | 'otherRepairs'>, why: string): void {
    const s = this.s;
    const runId = w.doctorRunId!;
    const files = w.doctorFiles ?? [];
    this.fx.push({ type: 'revert-doctor', runId, incidentId: w.incidentId, files, reason: why });
    if (!s.incident || s.incident.id !== w.incidentId) {
      if (s.held?.reason === 'repair') this.clearHold('the repair is over', false);
      return;
    }
    const extra: Partial<Work> = { doctorRunId: runId, doctorFiles: files, climb: `the doctor's repair did not hold: ${why}` };
    if (w.doctorSummary !== undefined) extra.doctorSummary = w.doctorSummary;
    if (w.otherRepairs && w.otherRepairs.length > 0) extra.otherRepairs = w.otherRepairs;
    this.startWork('revert', REVERT_DEADLINE_MS, extra);
    this.emit('incident.action', 'warning', `${this.p.name}: the doctor's repair did not hold (${why}): putting back the ${files.length} file(s) it changed`, { action: 'doctor-revert', runId, files: files.map((f) => f.path) }, 2);
    if (!s.held) {
      s.held = { reason: 'repair', detail: "the doctor's file changes are being reverted", since: this.now };
      s.nextStartAt = null;
      if (s.phase === 'backoff' || s.phase === 'stopped') s.phase = 'held';
    }
  }

  /** A doctor run's files are back (or kept where changed since): say what was undone and what was not, then climb. */
  private doctorReverted(runId: string, reverted: string[], kept: string[], error?: string): void {
    const s = this.s;
    const w = s.work;
    if (w?.kind !== 'revert' || w.doctorRunId !== runId) return;
    s.work = null;
    const parts: string[] = [];
    if (reverted.length > 0) parts.push(`put back as they were: ${reverted.join(', ')}`);
    if (kept.length > 0) parts.push(`not put back: ${kept.join('; ')}`);
    if (error) parts.push(`the revert failed: ${error}`);
    const others = w.otherRepairs ?? [];
    if (others.length > 0) parts.push(`its repairs that are no file change are not reverted: ${others.join('; ')}`);
    const whole = reverted.length > 0 && kept.length === 0 && !error;
    const text = `${whole ? "the doctor's file changes were undone" : "the doctor's file changes were not all undone"} (${parts.join('; ') || 'nothing to put back'})`;
    const inc = s.incident;
    if (inc) {
      inc.lastRung = `doctor: ${w.doctorSummary ?? 'its repair'}; it did not hold; ${text}`;
      // What is still in place after the revert is still the human's to know; what was put back is not.
      const rest = (inc.repairsKept ?? []).filter((r) => r !== w.doctorSummary);
      if (!whole || others.length > 0) rest.push(`${w.doctorSummary ?? 'doctor repair'} (${parts.join('; ')})`);
      if (rest.length > 0) inc.repairsKept = rest.slice(-5);
      else delete inc.repairsKept;
    }
    this.emit('incident.action', whole ? 'info' : 'warning', `${this.p.name}: ${text}`, { action: 'doctor-reverted', runId, reverted, kept, otherRepairs: others, ...(error ? { error } : {}) }, 2);
    if (w.personAsked) return this.afterRevert(w.personAsked, error ? ` (the revert failed: ${error})` : '', 'doctor');
    // The repair's hold ends with the revert: the next rung sets its own (a human's, an agent's), or none in maintenance.
    if (s.held?.reason === 'repair') this.clearHold('the revert is done', false);
    this.climb(`${w.climb ?? "the doctor's repair did not hold"}; ${text}`, true);
  }

  /**
   * A person's start/resume/restart/stop/maintenance while a failed run's files are put back: the revert goes on
   * and the request waits for it (a start never races the revert); the latest request wins.
   */
  private deferToRevert(action: NonNullable<Work['personAsked']>): boolean {
    const w = this.s.work;
    if (w?.kind !== 'revert') return false;
    w.personAsked = action;
    const who = w.doctorRunId ? 'doctor' : 'agent';
    this.emit('incident.action', 'info', `${this.p.name}: ${action} asked for by a person waits until the failed ${who} run's files are put back`, { action: 'waits-for-revert', requested: action, runId: w.id }, w.doctorRunId ? 2 : 3);
    return true;
  }

  /** The revert is over: what the person asked for meanwhile is carried out (the ladder does not climb over them). */
  private afterRevert(action: NonNullable<Work['personAsked']>, note: string, who: 'agent' | 'doctor' = 'agent'): void {
    const s = this.s;
    if (s.held?.reason === 'repair') this.clearHold('the revert is done', false);
    this.emit('incident.action', 'info', `${this.p.name}: the failed ${who} run's files are put back${note}; now the ${action} a person asked for`, { action: 'after-revert', requested: action }, who === 'doctor' ? 2 : 3);
    if (action === 'stop' && s.incident?.status === 'open' && s.desired === 'down') this.closeIncident('stop');
    // Maintenance asked for meanwhile and already over (its end found the repair's hold and started nothing): the start
    // its end would have made is due now, or a service wanted up stayed stopped with nothing to start it.
    if (action === 'maintenance' && !s.maintenance && s.desired === 'up' && !s.instance && !s.held && s.phase === 'stopped') this.startNow('resume');
    if (action === 'restart') return this.restartRequest('human');
    if (action === 'start' || action === 'resume') return this.request({ type: 'request', action, by: 'human' });
  }

  private startWork(kind: Work['kind'], budgetMs: number, extra: Partial<Work> = {}): void {
    this.s.work = { kind, id: this.ctx.newId('run'), incidentId: this.s.incident!.id, startedAt: this.now, deadline: this.now + budgetMs, ...extra };
  }

  /** Level 4: stop, hold, tell a person everything: what the last rung said and what failed in the first place. */
  private human(reason: string): void {
    const s = this.s;
    const inc = s.incident!;
    this.enter(4, reason);
    inc.status = 'waiting-human';
    inc.recoveredAt = null;
    // The agent was tried on this failure (or a person refused it): a person's resume does not buy another run on its own.
    if (inc.agentRuns > 0) s.agentTried = { incidentId: inc.id, at: this.now, lastResolvedAt: null };
    if (s.instance) this.stopInstance(this.p.stopGraceMs, { then: 'hold' });
    // Held until a person (or the cool-down) says go; an existing hold keeps its reason (exit 78, crash loop).
    if (!s.held || s.held.reason === 'repair') s.held = { reason: 'human', detail: reason, since: this.now };
    s.nextStartAt = null;
    if (s.phase === 'backoff' || s.phase === 'stopped') s.phase = 'held';
    const cause = inc.cause;
    // A start that failed before any process ran has no exit to describe ("last exit after 0ms" read as a crash).
    const exit = cause?.lastExit?.startError !== undefined ? ', no process ran' : cause?.lastExit ? `, last ${describeExit(cause.lastExit)} after ${formatDuration(cause.lastExit.uptimeMs)}` : '';
    const causeText = `${cause?.summary ?? inc.reason}${exit}`;
    const lines = cause?.lastLines?.filter((l) => l.trim() !== '').slice(-5) ?? [];
    const tail = lines.length > 0 ? `\nLast lines before the exit:\n${lines.join('\n')}` : '';
    // After a cool-down retry the person was paged already: the same news again is a step of the incident, not a new page.
    const retry = inc.coolDownRetries ?? 0;
    const head = retry > 0 ? `${this.p.name} still needs a human: the cool-down retry ${retry} failed too: ${reason}` : `${this.p.name} needs a human: ${reason}`;
    const kept = inc.repairsKept ?? [];
    const keptText = kept.length > 0 ? ` Doctor repairs still in place (not rolled back): ${kept.join(' | ')}.` : '';
    this.emit(
      'incident.escalated',
      'critical',
      `${head}. First failure: ${causeText}.${keptText} Run \`${resumeCommandOf(this.p)}\` when fixed.${tail}`,
      { reason, lastRung: inc.lastRung ?? null, cause: causeText, lastLines: lines, restarts: s.restartHistory.length, ...(kept.length > 0 ? { repairsKept: kept } : {}), ...(retry > 0 ? { coolDownRetry: retry } : {}) },
      4,
    );
    if (this.p.coolDownMs > 0 && s.desired === 'up') s.coolDownUntil = this.now + this.p.coolDownMs;
    if (s.placement?.active) this.fx.push({ type: 'release-placement', reason: `Level 4: ${reason}` });
  }

  private resolve(recoveredAt: number): void {
    const inc = this.s.incident!;
    // Level 4 handed back by the cool-down with no person acting since (coolDownRetries) is no person's resolution.
    const outcome = inc.startedByPerson ? 'human-resolved' : inc.highestLevel < 4 ? 'auto-resolved' : (inc.coolDownRetries ?? 0) > 0 ? 'cool-down-recovered' : 'human-resolved';
    const ttrMs = Math.max(0, recoveredAt - (inc.firstSignalAt ?? inc.openedAt));
    // Seen late (the daemon was paused): the outage is at least ttrMs, at most since the pause began; both are said.
    const ttrMaxMs = inc.firstSignalNotBefore !== undefined ? Math.max(ttrMs, recoveredAt - inc.firstSignalNotBefore) : undefined;
    const atMost = ttrMaxMs !== undefined ? `, down at most ${formatTtr(ttrMaxMs)}: the daemon was paused when it failed` : '';
    this.emit(
      'incident.resolved',
      'resolved',
      `${this.p.name} recovered after ${formatTtr(ttrMs)} (incident ${inc.id}, highest level ${inc.highestLevel}${atMost})`,
      { ttrMs, highestLevel: inc.highestLevel, outcome, reason: inc.reason, ...(ttrMaxMs !== undefined ? { ttrMaxMs } : {}) },
      inc.highestLevel,
    );
    this.s.incident = null;
    if (this.s.agentTried) this.s.agentTried.lastResolvedAt = this.now;
    // Remembered for the flapping window: a failure within it continues this series instead of starting afresh.
    if (this.p.flapping.windowMs > 0) {
      const f = this.s.flapping;
      this.s.flapping = f ? { ...f, lastResolvedAt: this.now } : { firstIncidentId: inc.id, since: inc.openedAt, recurrences: 0, lastResolvedAt: this.now };
    }
  }

  /**
   * A person's reload removed or replaced the service: its open incident ends here (the replacement starts afresh).
   * Left open, nothing could ever resolve it: reminders of "needs a human" went on and incidents_open stayed 1 for a
   * service that ran healthy under its new config, and `clawback incidents` listed it open for ever. The same for a
   * person's stop of a service that had not recovered: nothing restarts it, so nothing would ever resolve it.
   */
  private closeIncident(by: 'reload' | 'stop'): void {
    const inc = this.s.incident;
    if (!inc) return;
    const ttrMs = Math.max(0, this.now - (inc.firstSignalAt ?? inc.openedAt));
    const why = by === 'reload' ? 'a config reload removed or replaced the service' : 'a person stopped the service before it recovered';
    this.emit(
      'incident.resolved',
      'resolved',
      `incident ${inc.id} of ${this.p.name} closed: ${why} (highest level ${inc.highestLevel})`,
      { ttrMs, highestLevel: inc.highestLevel, outcome: 'human-resolved', reason: inc.reason, closedBy: by },
      inc.highestLevel,
    );
    this.s.incident = null;
  }

  /** A person (or the cool-down) hands an escalated incident back to the ladder: it climbs from Level 0 again. */
  private reopen(): boolean {
    const inc = this.s.incident;
    if (inc?.status !== 'waiting-human') return false;
    inc.status = 'open';
    inc.level = 0;
    inc.doctorRuns = 0;
    // A run that never started was no attempt: after a resume the agent may be tried on this incident.
    delete inc.agentNotStarted;
    return true;
  }

  private cancelWork(why: string, asked?: 'start' | 'resume' | 'restart'): void {
    const w = this.s.work;
    if (!w) return;
    // A person's start, resume or restart during a verification is carried out, and the repair is still judged: kept once
    // healthy for the window, put back on a failure (only files still holding the repair's bytes, so a person's own edits
    // stay). Cancelled, the repair was left neither verified nor put back and the journal said nothing of its files.
    if (w.kind === 'verify' && asked) return this.verifyContinues(w, why, asked === 'restart');
    this.s.work = null;
    // Every caller is a person taking over: an agent's files (theirs too, maybe) are kept as they are and listed, not reverted.
    if (w.kind === 'verify') {
      if (w.agentRunId) this.fx.push({ type: 'finish-agent', runId: w.agentRunId, incidentId: w.incidentId, keep: false, handover: true, reason: `verification cancelled: ${why}` });
      else if (w.doctorRunId) this.doctorHandedOver(w, why);
    } else if (w.kind === 'agent') {
      this.fx.push({ type: 'cancel-work', runId: w.id, kind: w.kind, handover: why });
    } else if (w.kind === 'doctor') {
      // Said to the run as a person's action: what it journals of the cut (a restore cut short) is theirs, no emergency.
      this.fx.push({ type: 'cancel-work', runId: w.id, kind: w.kind, handover: why });
    }
    if (this.s.held?.reason === 'repair') this.s.held = null;
    // Held only by the repair, with nothing running: stopped now. Left "held" with no hold, a maintenance that cancelled the
    // run (a `never` service kept down after it) showed a hold nobody could name, and nothing would ever move it.
    if (this.s.phase === 'held' && !this.s.held && !this.s.instance) this.s.phase = 'stopped';
    // A person took the repair over: their restart/start gets a fresh restart window, as lifting the breaker's hold gives
    // (the repair's hold had replaced it). Kept, the loop's restarts tripped the breaker at the first exit: Level 4 at once.
    this.freshRestartWindow();
    const kept = this.rungsBack(w);
    this.emit('incident.action', 'warning', `${this.p.name}: ${w.kind} run ${w.id} cancelled (${why})${kept}`, { action: 'work-cancelled', kind: w.kind, runId: w.id, ...(kept ? { rungsKept: true } : {}) });
  }

  /**
   * A person cancelled the incident's doctor, approval wait or agent run: the incident is handed back to the ladder as a
   * resume at Level 4 hands it back (from Level 0, the doctor's attempts given back; an approval wait's run, never
   * started, too). A launched agent run stays the incident's one run (its directory keeps that run's snapshot and
   * transcript as evidence), and Level 4 says so. Kept at Level 3, the next failure went to Level 4 at once naming neither.
   */
  private rungsBack(w: Work): string {
    const inc = this.s.incident;
    if (!inc || inc.id !== w.incidentId || inc.status !== 'open' || !['doctor', 'approval', 'agent'].includes(w.kind)) return '';
    inc.level = 0;
    inc.doctorRuns = 0;
    if (w.kind === 'approval') inc.agentRuns = 0;
    if (w.kind === 'agent') inc.agentRung = `its run ${w.id} was cancelled by a person`;
    const agent = !this.p.agent ? '' : inc.agentRuns > 0 ? '; no second agent run for this incident' : ', then an agent run (within the budget)';
    return `; if it fails again the ladder climbs from Level 0: the doctor (${this.p.doctorAttempts} attempt(s))${agent}`;
  }

  /** See cancelWork: the verification goes on through a person's command (from their restart, the window starts over). */
  private verifyContinues(w: Work, why: string, restarts: boolean): void {
    const win = verifyWindowOf(w, this.p) ?? 30_000;
    if (restarts) {
      w.startedAt = this.now;
      w.deadline = this.now + win + verifyStartAllowance(win, this.p.startupGraceMs);
      w.healthySince = null;
    }
    // A person took the service over: their restart gets a fresh restart window (as a cancelled repair gives).
    this.freshRestartWindow();
    const whose = w.doctorRunId ? "the doctor's repair" : "the agent's fix";
    const what = w.doctorRunId ? `the ${(w.doctorFiles ?? []).length} file(s) it changed are put back` : 'its file changes are reverted';
    this.emit(
      'incident.action',
      'info',
      `${this.p.name}: ${why}; done, and ${whose} is still being verified${restarts ? ' from this restart' : ''}: healthy for ${formatDuration(win)}, or ${what}`,
      { action: 'verify-continues', runId: w.id, ...(w.doctorRunId ? { doctorRunId: w.doctorRunId } : {}), ...(w.agentRunId ? { agentRunId: w.agentRunId } : {}) },
      w.doctorRunId ? 2 : 3,
    );
  }

  /** A doctor repair whose verification a person ended (stop, maintenance, a reload): kept unverified, and said with its files. */
  private doctorHandedOver(w: Work, why: string): void {
    const files = (w.doctorFiles ?? []).map((f) => f.path);
    this.emit(
      'doctor.repair',
      'warning',
      `${this.p.name}: doctor run ${w.doctorRunId} handed over (${why}): its repair is not verified and stays as it is, nothing put back: ${files.join(', ') || 'no file'} (${w.doctorSummary ?? 'doctor repair'})`,
      { runId: w.doctorRunId, handedOver: true, verified: false, files, ...(w.otherRepairs?.length ? { otherRepairs: w.otherRepairs } : {}) },
      2,
    );
  }

  // ---- inputs ------------------------------------------------------------------------------------

  private boot(adopted: ServiceState['instance'], waitsForDependencies: boolean, machineBootedAt?: number, updateInFlight?: string): void {
    const s = this.s;
    // Before anything here may start it (the boot, an unseen exit's restart, a verification): only this boot's record counts.
    if (updateInFlight) {
      s.updateHold = updateInFlight;
      this.emit('update.step', 'warning', `${this.p.name}: ${updateInFlight} was interrupted by a daemon restart: not started until that update is finished (watched or rolled back)`, { step: 'boot-hold', updateHold: updateInFlight });
    } else delete s.updateHold;
    // A job its policy kept down stays down across a daemon restart (kill, upgrade, the guardian's revive), as under
    // the guardian; the machine's own boot runs it again, as the service manager's boot would.
    if (s.keptDown && (adopted || (machineBootedAt !== undefined && (s.lastExit?.at ?? 0) < machineBootedAt))) delete s.keptDown;
    const stopping = s.afterStop;
    s.disposed = false;
    s.afterStop = null;
    s.health = 'pending';
    s.healthySince = null;
    delete s.startup;
    // Only the instance the last daemon ran (and saw come up) keeps that record.
    const cameUp = adopted && s.instance?.pid === adopted.pid ? s.cameUpAt : undefined;
    delete s.cameUpAt;
    if (adopted) {
      s.instance = adopted;
      s.phase = 'running';
      // The window belongs to the instance: anchored at its start, none if it came up before (a daemon restarting
      // every few minutes would otherwise never judge an instance hung in its start); one past it is judged at once.
      if (cameUp !== undefined) s.cameUpAt = cameUp;
      else this.openStartup(adopted.startedAt, this.p.startupCheckMs ?? 0);
      // The last daemon was stopping this instance (a person's stop or restart, a hold): this one finishes the job,
      // or the instance would run on unwatched by anyone's intent (stopped but up, or its SIGTERM read as a crash).
      // A stop on the last daemon's way out (dispose) is over: this daemon runs the service again.
      const then: NonNullable<ServiceState['afterStop']> | null =
        s.desired === 'down' ? { then: 'stay' } : stopping?.then === 'dispose' ? { then: 'start', reason: 'boot' } : stopping;
      const resumed = then?.then;
      this.emit('daemon.adopted', 'info', `adopted running ${this.p.name} (pid ${adopted.pid})${resumed ? `; the stop under way when the daemon went away is carried on (then ${resumed})` : ''}`, { pid: adopted.pid, ...(resumed ? { stopResumed: resumed } : {}) });
      if (then) this.stopInstance(this.p.stopGraceMs, then);
    } else {
      // The last daemon's running instance is gone and did not die with the machine: it ended while no daemon watched
      // (the daemon was killed, the guardian revived it). Booted plainly, the end was never recorded and a finished
      // `never` job ran again: it is the exit it is, decided as the guardian's direct revive decides it.
      const ended = s.instance && !stopping && !s.work && s.phase === 'running' && s.desired === 'up' && !(machineBootedAt !== undefined && s.instance.startedAt < machineBootedAt) ? s.instance : null;
      s.instance = null;
      const due = s.phase === 'backoff' && s.nextStartAt !== null && !s.held && !s.work && !s.maintenance && s.desired === 'up';
      s.phase = s.held ? 'held' : due ? 'backoff' : 'stopped';
      if (due) this.resumeBackoff(s.nextStartAt!);
      else s.nextStartAt = null;
      if (ended) {
        s.instance = ended;
        s.phase = 'running';
        this.exited({ type: 'exited', pid: ended.pid, code: null, signal: null, at: this.now, statusKnown: false });
      }
    }
    const w = s.work;
    if (w) {
      if (!s.incident || s.incident.id !== w.incidentId) {
        this.emit('incident.action', 'warning', `${this.p.name}: ${w.kind} run ${w.id} belonged to a closed incident; dropped`, { action: 'work-dropped', kind: w.kind, runId: w.id });
        s.work = null;
        if (s.held?.reason === 'repair') s.held = null;
      } else if (w.kind === 'doctor') {
        w.rearmed = true;
        w.startedAt = this.now;
        w.deadline = this.now + this.p.doctorTimeoutMs;
        this.emit('incident.action', 'warning', `${this.p.name}: a doctor run was in flight when the daemon stopped; running it again`, { action: 'work-rearmed', kind: 'doctor', runId: w.id }, 2);
        this.fx.push({ type: 'run-doctor', runId: w.id, incident: structuredClone(s.incident) });
      } else if (w.kind === 'agent') {
        s.work = null;
        if (s.held?.reason === 'repair') s.held = null;
        s.incident.lastRung = 'agent: the run was interrupted by a daemon restart';
        this.emit('incident.action', 'critical', `${this.p.name}: the Level 3 agent run ${w.id} was in flight when the daemon stopped; it counts as failed and its file changes are reverted`, { action: 'work-failed', kind: 'agent', runId: w.id }, 3);
        this.revertThenClimb(w.id, w.incidentId, 'interrupted by a daemon restart', 'the agent run was interrupted by a daemon restart');
      } else if (w.kind === 'revert') {
        // Putting the files back is idempotent: do it again, then climb as it would have.
        w.startedAt = this.now;
        w.deadline = this.now + REVERT_DEADLINE_MS;
        const who = w.doctorRunId ? 'doctor' : 'agent';
        this.emit('incident.action', 'warning', `${this.p.name}: reverting the failed ${who} run's changes was in flight when the daemon stopped; reverting again`, { action: 'work-rearmed', kind: 'revert', runId: w.id }, w.doctorRunId ? 2 : 3);
        if (w.doctorRunId) this.fx.push({ type: 'revert-doctor', runId: w.doctorRunId, incidentId: w.incidentId, files: w.doctorFiles ?? [], reason: 'interrupted by a daemon restart' });
        else this.fx.push({ type: 'finish-agent', runId: w.agentRunId ?? w.id, incidentId: w.incidentId, keep: false, reason: 'interrupted by a daemon restart' });
      } else if (w.kind === 'approval') {
        // Still waiting for a person; its deadline stands (a tick ends it if it passed).
      } else {
        const win = verifyWindowOf(w, this.p) ?? 30_000;
        w.startedAt = this.now;
        w.deadline = this.now + win + verifyStartAllowance(win, this.p.startupGraceMs);
        w.healthySince = null;
        this.emit('incident.action', 'warning', `${this.p.name}: a verification was in flight when the daemon stopped; it starts over`, { action: 'work-rearmed', kind: 'verify', runId: w.id }, w.doctorRunId ? 2 : 3);
        if (!s.instance) this.startNow('verify');
      }
    }
    this.handBackFromGuardian();
    // A hold the ladder left for a person (maintenance stopped its climb) is theirs: no doctor run was cut short there.
    if (!s.work && s.held && s.held.reason !== 'human' && s.incident?.status === 'open' && s.incident.level >= 2 && !s.incident.climbPaused && !s.maintenance && s.desired === 'up') {
      this.unrecordedRung(s.incident.level);
    }
    // A singleton's instance left by an earlier daemon runs without a lease of this daemon: stop it (a new daemon stands by until it wins).
    if (s.instance && !this.placed()) this.losePlacement('a new daemon stands by until it wins the lease');
    if (!waitsForDependencies) this.startBoot();
    if (s.held && !s.instance && (s.phase as string) !== 'starting') s.phase = 'held';
  }

  /**
   * The guardian held the service at Level 4 while no daemon ran, only for want of a doctor and an agent: this daemon
   * takes it back. The guardian's hold ends (a fresh restart window) and the incident climbs this daemon's ladder from
   * there (the doctor, then the agent); with no rung more here (doctor.attempts 0, no agent) it stays with the person,
   * not paged again. A person's stop, maintenance or work in flight decide instead.
   */
  private handBackFromGuardian(): void {
    const s = this.s;
    const inc = s.incident;
    const why = inc?.guardianHeld;
    if (!inc || why === undefined || this.p.guardian) return;
    delete inc.guardianHeld;
    if (inc.status !== 'waiting-human' || s.work || s.maintenance || s.desired === 'down' || s.instance || !s.held) return;
    const p = this.p;
    const doctor = inc.doctorRuns < p.doctorAttempts;
    const agent = p.agent !== null && inc.agentRuns === 0 && !inc.agentNotStarted;
    if (!doctor && !agent) {
      this.emit('incident.action', 'info', `${p.name}: the daemon is back; the guardian's hold stays: this daemon has no rung more to try (doctor.attempts is ${p.doctorAttempts}, no agent)`, { action: 'guardian-hold-kept', reason: why }, 4);
      return;
    }
    this.emit('incident.action', 'warning', `${p.name}: the daemon is back and takes the service back from the guardian, which held it (${why}): climbing its own ladder`, { action: 'guardian-handback', reason: why }, 1);
    inc.status = 'open';
    inc.level = 1;
    // The guardian's Level 4 was a hold for want of rungs, no person's: the incident's highest level is what its rungs
    // reached (it climbs on from here), so a recovery reads auto-resolved, not human-resolved at highest level 4.
    inc.highestLevel = inc.agentRuns > 0 ? 3 : inc.doctorRuns > 0 ? 2 : 1;
    inc.recoveredAt = null;
    s.coolDownUntil = null;
    this.clearHold('the daemon took the service back from the guardian', true);
    this.climb(`${why} (under the guardian, which has no doctor or agent)`, false);
  }

  /**
   * Held at Level 2+ with nothing in flight: a doctor or agent run of a daemon that kept no work record (a Clawback from
   * before in-flight work was persisted) was cut short. Left so, the incident stays open for ever and nobody is told.
   * The doctor runs again (as a re-armed run), or the human rung is taken.
   */
  private unrecordedRung(level: Level): void {
    const s = this.s;
    if (level === 2 && this.p.doctorAttempts > 0) {
      this.startWork('doctor', this.p.doctorTimeoutMs, { rearmed: true });
      this.emit('incident.action', 'warning', `${this.p.name}: a doctor run was in flight when the daemon stopped (not recorded: an older Clawback); running it again`, { action: 'work-rearmed', kind: 'doctor', runId: s.work!.id }, 2);
      this.fx.push({ type: 'run-doctor', runId: s.work!.id, incident: structuredClone(s.incident!) });
      return;
    }
    this.human(`the Level ${level} repair in flight when the daemon stopped was not recorded (an older Clawback), so it cannot be re-armed or checked`);
  }

  /** A restart the last daemon scheduled keeps its time (bounded by the backoff cap, should the clock have jumped back). */
  private resumeBackoff(at: number): void {
    const s = this.s;
    s.nextStartAt = Math.min(at, this.now + this.p.backoff.max);
    const left = Math.max(0, s.nextStartAt - this.now);
    this.emit('service.restart-scheduled', 'info', `restarting ${this.p.name} in ${formatDuration(left)} (its backoff was under way when the daemon stopped)`, { reason: s.backoffFor ?? 'exit', delayMs: left, attempt: Math.max(0, s.backoffAttempt - 1) }, 0);
  }

  /** The boot's own start: only when nothing (a person, a repair, a hold) decided otherwise meanwhile. */
  private startBoot(): void {
    const s = this.s;
    if (!s.instance && s.phase !== 'starting' && s.phase !== 'backoff' && !s.held && !s.work && !s.maintenance && s.desired === 'up' && !s.keptDown) this.startNow('boot');
  }

  /** A person may have started or stopped the service while it waited for its dependencies: their word stands. */
  private dependenciesReady(): void {
    if (this.s.disposed) return;
    this.startBoot();
  }

  private started(instance: NonNullable<ServiceState['instance']>, reason: StartReason): void {
    const s = this.s;
    s.instance = instance;
    s.phase = 'running';
    s.health = 'pending';
    s.healthySince = null;
    delete s.cameUpAt;
    const token = s.placement?.token;
    const win = this.openStartup() ? `; ${startupWaitText(0, this.p.startupWindowMs ?? 0)}` : '';
    this.emit('service.started', 'info', `${this.p.name} started (pid ${instance.pid})${token != null ? ` with fencing token ${token}` : ''}${win}`, { pid: instance.pid, reason, ...(token != null ? { fencingToken: token } : {}) });
    if (s.disposed) this.stopInstance(this.p.stopGraceMs, { then: 'dispose' });
    else if (s.desired === 'down') this.stopInstance(this.p.stopGraceMs, { then: 'stay' });
    else if (!this.placed()) this.losePlacement('the lease was lost while the service was starting');
  }

  /** Opens the start-up window of the instance now running (startup.timeout); false when the service has none. */
  private openStartup(since = this.now, minLeftMs = 0): boolean {
    const win = this.p.startupWindowMs ?? 0;
    // Over already (an adopted instance older than its window): none open, its probes' failures count at once.
    if (win <= 0 || since + win <= this.now) {
      delete this.s.startup;
      return false;
    }
    // An adopted window with a moment left still holds one check (Kubernetes runs at least one startup probe): not
    // judged failed before any check of this daemon ran.
    this.s.startup = { since, until: Math.max(since + win, this.now + minLeftMs) };
    return true;
  }

  /**
   * The start-up window ran out before the first healthy check (Kubernetes' startupProbe past failureThreshold x period):
   * the start failed, decided as an unhealthy verdict of the instance (incident, counted restart, or the verification's failure).
   */
  private startupExpired(): void {
    const s = this.s;
    const w = s.startup;
    delete s.startup;
    if (!w || !s.instance || s.phase !== 'running' || s.health === 'healthy') return;
    const win = w.until - w.since;
    // Counted for the breaker by unhealthy() (the window is closed now, no healthy check seen: a failed start).
    this.unhealthy({
      type: 'unhealthy',
      pid: s.instance.pid,
      probe: 'startup',
      message: `no healthy check within its start-up window (${startupWaitText(this.now - w.since, win)})`,
      since: w.since,
    });
  }

  /**
   * A person's stop or restart ended a start before anything ran (systemctl stop of an `activating` unit): said as that,
   * never as a failed preflight (no incident, no hold, no alert); a restart starts afresh (its preflight again).
   * `instance`: what an external service's manager brought up before the cancel reached it, stopped (then started afresh).
   */
  private startCancelledByPerson(by: 'stop' | 'restart', instance?: NonNullable<ServiceState['instance']>): void {
    const s = this.s;
    if (s.instance) return;
    const wanted = s.desired === 'up' && !s.disposed;
    if (instance) {
      // Its manager brought it up before the cancel reached the start command: stopped here (the one owner), not
      // journaled "started" and then stopped; a restart starts it afresh once it is down.
      s.instance = instance;
      s.health = 'pending';
      s.healthySince = null;
      delete s.cameUpAt;
      this.emit('service.stopped', 'info', `${this.p.name}: start cancelled by a person (${by}); its manager had started it already (pid ${instance.pid}): stopping it${wanted ? ', then starting it again' : ''}`, { cancelledStart: true, by });
      // Journaled (and alerted) here once: its exit adds no second "stopped".
      this.stopInstance(this.p.stopGraceMs, wanted ? { then: 'start', reason: 'manual' } : s.disposed ? { then: 'dispose' } : { then: 'stay', told: true });
      return;
    }
    if (s.phase !== 'starting') return;
    s.phase = s.held ? 'held' : 'stopped';
    this.emit('service.stopped', 'info', `${this.p.name}: start cancelled by a person (${by}) before its process ran${wanted ? '; starting it again' : ''}`, { cancelledStart: true, by });
    if (wanted) this.startNow('manual');
  }

  private startFailed(error: string, exhausted = false, code?: string): void {
    const s = this.s;
    if (s.phase === 'starting') s.phase = 'stopped';
    const exit: LastExit = { code: null, signal: null, at: this.now, uptimeMs: 0, statusKnown: false, startError: error };
    s.lastExit = exit;
    // The program cannot be executed as configured (not there, not executable, its #! interpreter missing): no process
    // ran, so nothing crashed and a restart on the crash backoff cannot help. Retried that way, it tripped the crash-loop
    // breaker after N tries "as if it had crashed"; held at once instead, as the preflight holds a missing command
    // (systemd's status=203/EXEC), and the ladder's doctor run names the cause.
    const cannotExec = !exhausted && code !== undefined && CANNOT_EXEC_CODES.has(code);
    // The daemon could not fork (out of processes, descriptors, memory): not the service's crash. Counted, the breaker
    // tripped and held the service at Level 4 ("doctor found no problem") after the resource came back.
    const why = exhausted
      ? `${error} (clawback is out of processes, file descriptors or memory; retried with backoff, not counted as a crash loop)`
      : cannotExec
        ? `${error} (the program cannot be executed as configured: held, not retried until it is fixed)`
        : error;
    this.emit('service.exited', 'warning', `${this.p.name} could not be started: ${why}`, { code: null, signal: null, uptimeMs: 0, expected: false, error, ...(exhausted ? { exhausted } : {}) });
    if (cannotExec && this.placed()) return this.preflightFailed(error, { said: 'could not be started', lastExit: exit });
    this.crashed(exit, `could not be started: ${why}`, [error], '', !exhausted);
  }

  private preflightFailed(problem: string, start?: { said: string; lastExit: LastExit }, personOnly = false): void {
    const s = this.s;
    if (s.phase === 'starting') s.phase = 'stopped';
    if (s.maintenance) {
      this.emit('probe.failed', 'warning', `${this.p.name}: not started (maintenance): ${problem}`, { problem });
      return;
    }
    if (s.desired === 'down') {
      // A person stopped it while the start was under way: a start nobody wants any more failed, no incident to open.
      if (s.phase === 'stopped' && s.held) s.phase = 'held';
      this.emit('service.stopped', 'info', `${this.p.name} stopped (the start under way was refused: ${problem})`, { problem });
      return;
    }
    if (s.work?.kind === 'verify') return this.verifyFailed(`the start was refused: ${problem}`);
    if (s.work) {
      s.phase = 'held';
      return;
    }
    // A spawn that could not execute the program (start) is held the same way, said as what it was.
    const said = start ? `${start.said}: ${problem}` : `preflight failed: ${problem}`;
    this.openIncident(0, start ? said : `preflight: ${problem}`, start ? { lastExit: start.lastExit } : undefined, start?.lastExit.at);
    this.setHold('preflight', start ? said : problem);
    s.phase = 'held';
    // This host cannot run it (disk full, port held): another member may.
    if (s.placement?.active) this.fx.push({ type: 'release-placement', reason: said });
    // Only a person can clear it (another live process owns what the service needs): a doctor's repairs and an agent's
    // run fail against it the same way, and with doctor.attempts 0 the climb went straight to a paid agent run.
    if (personOnly) return this.human(`preflight: a person must fix it: ${problem}`);
    this.climb(said, false);
  }

  /**
   * An update's rollback is over on disk. All files back: start (the update stopped it; a person asked for the update).
   * Some not: the previous version would run on a mix of its own files and the failed version's (its config back, its
   * database not): held at Level 4 with the files named, until a person puts them right and resumes it. The person's
   * resume or start lifts the hold; no cool-down retries it (the service stays wanted down meanwhile).
   */
  private restoreDone(runId: string, failed: Array<{ file: string; error: string }>): void {
    delete this.s.updateHold;
    if (failed.length === 0) return this.request({ type: 'request', action: 'start', by: 'human' });
    const s = this.s;
    const shown = failed.slice(0, 10).map((f) => `${f.file} (${f.error})`);
    if (failed.length > shown.length) shown.push(`and ${failed.length - shown.length} more`);
    const reason = `the rollback of update ${runId} could not put back ${failed.length} file(s) of the previous version: ${shown.join('; ')}; not started on a mix of two versions' files: put them right (the backup and the failed version's copies are kept), then resume`;
    s.desired = 'down';
    s.coolDownUntil = null;
    this.openIncident(0, `update rollback incomplete: ${failed.map((f) => f.file).slice(0, 10).join(', ')}`);
    this.human(reason);
  }

  /** The interrupted update's resume is over: the start the boot deferred, unless it decided (or a person did) meanwhile. */
  private updateResumed(hold?: string): void {
    const s = this.s;
    const was = s.updateHold;
    if (was === undefined) return;
    delete s.updateHold;
    if (hold) {
      if (s.instance || s.desired === 'down') return;
      s.desired = 'down';
      s.coolDownUntil = null;
      this.openIncident(0, `interrupted update not finished: ${was}`);
      this.human(`${was} was interrupted by a daemon restart and could not be finished (${hold}); not started on files that may mix two versions: check its version and files, then resume`);
      return;
    }
    if (!s.disposed) this.startBoot();
  }

  private exited(input: Extract<ServiceInput, { type: 'exited' }>): void {
    const s = this.s;
    if (!s.instance || s.instance.pid !== input.pid) return;
    const startedAt = s.instance.startedAt;
    const wasHealthy = s.health === 'healthy';
    // Its start-up window still open, or over (an adopted one past it) with no healthy check recorded or seen: it never
    // came up, however long it ran (no stable run for the backoff).
    const neverUp = !!s.startup || ((this.p.startupWindowMs ?? 0) > 0 && s.cameUpAt === undefined && !wasHealthy);
    s.instance = null;
    delete s.startup;
    delete s.cameUpAt;
    s.health = 'pending';
    s.healthySince = null;
    const exit: LastExit = { code: input.code, signal: input.signal, at: input.at, uptimeMs: Math.max(0, input.at - startedAt), statusKnown: input.statusKnown };
    // A pause of the daemon hid when it ended: not before the pause began, nor before the instance started.
    if (input.notBefore !== undefined && input.notBefore < input.at) exit.notBefore = Math.max(input.notBefore, startedAt);
    s.lastExit = exit;
    // A clean exit where the restart policy keeps it down (on-failure, never) is the job done, not a failure.
    const clean = cleanExit(exit);
    // An end nobody saw (the daemon that spawned it died: adopted, or found gone by the guardian) of a `never` service:
    // its code cannot be known, so it is not called a crash (an incident nothing resolves) nor a success; a warning says
    // so. An on-failure service's unseen end still counts as a failure and is restarted: it may be a server that crashed
    // (left down, it would stay down), and its next end, under a daemon, is seen.
    const unwatched = !input.statusKnown && !input.signal && this.p.restartPolicy === 'never';
    const done = (clean || unwatched) && this.p.restartPolicy !== 'always';
    // A restart it asked for (its own words at the end of its output, after it served healthy): not a failure. An
    // adopted instance's code cannot be read (no daemon reaped it), so there its words alone tell: a gateway adopted
    // after a daemon restart that exits for a config change or SIGUSR2 is no crash either.
    const unseen = !input.statusKnown && !input.signal;
    const asked = (clean || unseen) && wasHealthy && this.p.restartPolicy === 'always' && askedForRestart(this.p.selfRestartPattern, input.lastLines);
    const expected = s.phase === 'stopping' || !!s.disposed || done || asked;
    // A clean exit that left processes running outside its group: the command forked into the background (a
    // classic daemon). Restarting cannot help (each start forks another copy and exits): say so wherever it shows.
    const daemonized = clean && (input.outsideGroup ?? 0) > 0 ? daemonizedText(input.outsideGroup!) : '';
    const how = (input.statusKnown ? describeExit(exit) : 'unknown status (adopted)') + daemonized;
    // What killed it when that was not the service (its log's disk full): on the exit line, the incident and its alert.
    const cause = input.logDiskFull ? `; its log disk is full: ${input.logDiskFull}` : '';
    const note = !expected && s.maintenance ? ' (maintenance: not restarted)' : asked && s.phase !== 'stopping' ? ' to be restarted (it asked for it)' : '';
    this.emit('service.exited', expected && !unwatched ? 'info' : 'warning', `${this.p.name} exited with ${how} after ${formatDuration(exit.uptimeMs)}${cause}${note}`, {
      code: input.code,
      signal: input.signal,
      uptimeMs: exit.uptimeMs,
      expected,
    });
    const exitEvent = this.fx[this.fx.length - 1] as Extract<Effect, { type: 'emit' }>;
    if (input.leftoversKilled) {
      this.emit('service.leftovers-killed', 'warning', `${this.p.name}: ended ${input.leftoversKilled} leftover process(es) after the exit (its group at once; those it started outside the group with the stop signal, then SIGKILL after the stop grace)`, { count: input.leftoversKilled, pgid: input.pid });
    }
    if (s.phase === 'stopping') {
      const after = s.afterStop ?? { then: 'stay' };
      // Stopped to be held, but the hold was lifted while the stop ran (whatever lifted it found the instance still up
      // and started nothing): kept down now, a service wanted up stayed stopped with no hold and nothing to start it.
      const unheld = after.then === 'hold' && !s.held && !s.maintenance && s.desired === 'up' && !s.work;
      s.afterStop = null;
      s.phase = s.held ? 'held' : 'stopped';
      if (after.then === 'start' && (after.delayMs ?? 0) > 0 && s.phase === 'stopped' && s.desired === 'up') {
        s.phase = 'backoff';
        s.nextStartAt = this.now + after.delayMs!;
        if (after.reason === 'probe' || after.reason === 'memory') s.backoffFor = after.reason;
        this.emit('service.restart-scheduled', 'info', `restarting ${this.p.name} in ${formatDuration(after.delayMs!)} (${after.reason}, backoff)`, { reason: after.reason === 'memory' ? 'memory' : 'probe', delayMs: after.delayMs!, attempt: Math.max(0, s.backoffAttempt - 1) }, 0);
      } else if (after.then === 'start') this.startNow(after.reason);
      else if (unheld) this.startNow('resume');
      else if (after.then === 'stay' && !after.told) {
        this.emit('service.stopped', 'info', `${this.p.name} stopped`);
      }
      return;
    }
    s.phase = s.held ? 'held' : 'stopped';
    if (s.disposed) return;
    if (asked && this.restartAsked()) return;
    if (unwatched && this.unwatchedEnd()) return;
    this.crashed(exit, `process ended (${how}${cause})`, input.lastLines, daemonized, true, neverUp);
    // The exit that opened an incident belongs to it (and says which recurrence of a flapping series it is).
    if (!exitEvent.event.incidentId && s.incident) {
      exitEvent.event.incidentId = s.incident.id;
      if (s.incident.recurrence) exitEvent.event.details = { ...exitEvent.event.details, recurrence: s.incident.recurrence };
    }
  }

  /**
   * The service exited cleanly to be started again (restart.selfRestartPattern): started at once, with no incident,
   * alert or count toward the crash-loop limit. Whatever owns the service now (maintenance, a hold, a repair, a
   * person's stop, another member's lease) decides as for any exit: false.
   */
  private restartAsked(): boolean {
    const s = this.s;
    if (s.maintenance || s.held || s.work || s.desired === 'down' || !this.placed()) return false;
    this.emit('service.restart-scheduled', 'info', `restarting ${this.p.name} now: it exited to be restarted`, { reason: 'exit', delayMs: 0, attempt: 0 }, 0);
    this.restarting('info', `restarting ${this.p.name}: it exited to be restarted`, { reason: 'self' }, 0);
    s.phase = 'stopped';
    this.startNow('exit');
    return true;
  }

  /**
   * The instance of a `never` service ended with no status to read (no daemon reaped it): kept down, as its policy
   * keeps any ended one, and said with a warning. A repair or verification in flight, maintenance or another
   * member's lease decide as for any exit: false.
   */
  private unwatchedEnd(): boolean {
    const s = this.s;
    if (s.maintenance || s.work || !this.placed()) return false;
    s.phase = s.held ? 'held' : 'stopped';
    s.keptDown = true;
    this.emit(
      'service.stopped',
      'warning',
      `${this.p.name} ended while no daemon watched it, so its exit status cannot be known; restart policy ${this.p.restartPolicy}: not restarted, not counted as a crash (if it failed, \`clawback start ${this.p.name}\` runs it again)`,
      { statusKnown: false },
    );
    return true;
  }

  /** An exit (or failed start) nobody asked for. */
  private crashed(exit: LastExit, reason: string, lastLines?: string[], daemonized = '', counts = true, neverUp = false): void {
    const s = this.s;
    const p = this.p;
    if (s.maintenance) {
      s.phase = 'stopped';
      // An end its restart policy keeps down (a finished job, a `never` crash) stays down when the maintenance ends.
      if ((cleanExit(exit) && p.restartPolicy !== 'always') || p.restartPolicy === 'never') s.keptDown = true;
      return;
    }
    if (!this.placed()) {
      // Not ours to run any more (the fence guard may be what ended it): stand by, no restart, no incident.
      s.phase = 'stopped';
      this.emit('cluster.standby', 'warning', `${p.name} ended (${reason}) without a valid lease on this member: standing by`, { reason });
      return;
    }
    if (s.work?.kind === 'verify') return this.verifyFailed(`the service ended during verification (${reason})`);
    if (s.work) {
      // The repair in flight owns the service: a crash now is its business, not a new failure.
      s.phase = 'held';
      return;
    }
    // A flapping service's backoff keeps growing across its recoveries (reset once it ran clean for the window).
    if (isStableRun(exit.uptimeMs, p.stableAfterMs) && !neverUp && !s.flapping) s.backoffAttempt = 0;
    if (cleanExit(exit) && p.restartPolicy !== 'always') {
      // The job finished (systemd: inactive, not failed): no incident that nothing could ever resolve, no alert.
      s.phase = 'stopped';
      s.keptDown = true;
      if (daemonized) this.emit('service.stopped', 'warning', `${p.name} ended (exit code 0${daemonized}); restart policy ${p.restartPolicy}: not restarted`);
      else this.emit('service.stopped', 'info', `${p.name} finished (exit code 0); restart policy ${p.restartPolicy}: not restarted`);
      return;
    }
    if (s.desired === 'down') {
      // A person stopped it while its start was under way (the start failed after that): nothing to heal, no incident.
      s.phase = s.held ? 'held' : 'stopped';
      return;
    }
    this.openIncident(0, reason, { lastExit: exit, ...(lastLines && lastLines.length > 0 ? { lastLines: lastLines.slice(-20) } : {}) }, exit.at, counts);
    if (p.restartPolicy === 'never') {
      s.phase = 'stopped';
      s.keptDown = true;
      // Said on the incident (systemd's "failed", a Kubernetes pod's Failed): with nothing journaled past its opening,
      // `clawback incidents` and the dashboard listed it "open" for ever while status said "failed, kept down".
      this.emit('service.stopped', 'warning', `${p.name} failed (${reason}); restart policy never: kept down until a person starts it (clawback start ${p.name})`, { keptDown: 'never' });
      return;
    }
    if (s.held) {
      s.phase = 'held';
      return;
    }
    // Unless the service's own last words say a new start will do (restart.retryPattern): then a crash like any other.
    if (exit.code !== null && p.preventExitCodes.includes(exit.code) && !askedForRestart(p.retryPattern, lastLines)) {
      this.setHold('config', `exit code ${exit.code} means the configuration is broken; not restarting blindly`);
      s.phase = 'held';
      // What the service itself says only a person can fix (a missing auth token): a doctor run cannot, and rewrote the
      // config trying (OpenClaw's switched 30 skills off); an agent must not choose credentials.
      const words = humanOnlyWords(p.humanOnlyPattern, lastLines);
      if (words !== undefined) {
        this.human(`exit code ${exit.code}: only a person can fix this, ${p.name} said: ${words}`);
        return;
      }
      this.climb(`exit code ${exit.code}: the configuration is broken`, false);
      return;
    }
    const d = counts ? this.countRestart() : { tripped: false, count: s.restartHistory.length };
    // A start the daemon's own exhaustion refused is not the service's flapping either.
    const flapping = counts ? this.flappingLimit() : null;
    if (d.tripped || flapping) {
      const again = flapping !== null && this.flappingTrippedAgain();
      this.setHold('crash-loop', `${d.tripped ? this.crashLoopText(d.count) : flapping}${daemonized}`);
      s.phase = 'held';
      this.climb(`${d.tripped ? `crash loop: ${d.count} restarts within ${formatDuration(p.intensity.window)}, then it exited again` : flapping}${daemonized}${again ? REPAIR_DID_NOT_HOLD : ''}`, again);
      return;
    }
    const attempt = s.backoffAttempt;
    const delay = backoffDelay(attempt, p.backoff, () => this.ctx.random());
    s.backoffAttempt = attempt + 1;
    if (delay === 0) {
      this.emit('service.restart-scheduled', 'info', `restarting ${p.name} now`, { reason: 'exit', delayMs: 0, attempt }, 0);
      this.restarting('warning', this.againText(), { reason: 'exit', attempt }, 0);
      s.phase = 'stopped';
      this.startNow('exit');
      return;
    }
    s.phase = 'backoff';
    s.nextStartAt = this.now + delay;
    delete s.backoffFor;
    this.emit('service.restart-scheduled', 'info', `restarting ${p.name} in ${formatDuration(delay)} (attempt ${attempt + 1})`, { reason: 'exit', delayMs: delay, attempt }, 0);
  }

  private healthy(pid: number): void {
    const s = this.s;
    if (!s.instance || s.instance.pid !== pid || s.phase !== 'running') return;
    const startup = s.startup;
    delete s.startup;
    delete s.failedStarts;
    s.cameUpAt ??= this.now;
    if (s.health !== 'healthy') {
      s.health = 'healthy';
      s.healthySince = this.now;
      const first = startup ? ` (first healthy check ${Math.round((this.now - startup.since) / 1000)} s after the start, within its start-up window of ${Math.round((startup.until - startup.since) / 1000)} s)` : '';
      this.emit('service.healthy', 'info', `${this.p.name} is healthy${first}`);
    }
    const w = s.work;
    if (w?.kind === 'verify') {
      w.healthySince ??= this.now;
      return;
    }
    if (w) return; // a healthy moment during a repair belongs to the repair, not to the incident
    const inc = s.incident;
    if (!inc || inc.status === 'waiting-human') return;
    // Every level waits for health to hold: a crash loop (healthy a moment after each start) stays one incident.
    inc.recoveredAt ??= this.now;
  }

  private unhealthy(input: Extract<ServiceInput, { type: 'unhealthy' }>): void {
    const s = this.s;
    if (!s.instance || s.instance.pid !== input.pid || s.phase !== 'running') return;
    s.health = 'unhealthy';
    s.healthySince = null;
    if (s.incident) s.incident.recoveredAt = null;
    const note = s.maintenance ? ' (maintenance: no action)' : '';
    this.emit('service.unhealthy', 'warning', `${this.p.name} unhealthy: ${input.probe}: ${input.message}${note}`, { probe: input.probe, finding: input.finding });
    if (s.maintenance) return;
    // Wanted down by a person whose stop could not be sent (an external pid it cannot identify): theirs, not healed.
    if (s.desired === 'down') return;
    // A start that never came up (its window ran out, or an adopted instance past its window with no healthy check
    // recorded or seen) counts for the breaker: each failed start takes a whole window, so an intensity window shorter
    // than it never saw two restarts, and a service that never came up was restarted for ever, never climbing the ladder.
    if ((this.p.startupWindowMs ?? 0) > 0 && !s.startup && s.cameUpAt === undefined) s.failedStarts = (s.failedStarts ?? 0) + 1;
    if (s.work?.kind === 'verify') return this.verifyFailed(`${input.probe}: ${input.finding ?? input.message}`);
    if (s.work || s.held) return;
    // A readiness finding is a code ("readiness:channel:telegram"); its message names the part for a person.
    const what = isReadinessFinding(input.finding) ? input.message : (input.finding ?? input.message);
    this.openIncident(1, `${input.probe}: ${what}`, undefined, input.since ?? this.now);
    if (this.restartScope(input.finding, input.probe)) return;
    const reason: StartReason = input.finding === 'memory-limit' ? 'memory' : 'probe';
    const hung = input.finding === 'hang' || input.finding === 'stopped';
    // The process still serves (a memory limit, a part not ready): a planned restart that lets it drain.
    const planned = reason === 'memory' || isReadinessFinding(input.finding);
    this.countedRestart(reason, hung ? this.p.hangGraceMs : planned ? this.p.drainGraceMs : this.p.stopGraceMs, input.probe);
  }

  /**
   * The smallest scope first: a readiness finding that names a part (a channel) restarts just that part, once
   * per incident; when the same part fails again the whole process restarts (drained), then the ladder.
   */
  private restartScope(finding: string | undefined, probe: string): boolean {
    const scope = scopeOfFinding(finding);
    const inc = this.s.incident;
    if (!scope || !this.p.scopedRestart || !inc) return false;
    const key = scopeKey(scope);
    if (inc.scopesTried?.includes(key)) return false;
    // Past the series' limit the counted restart trips the breaker: a part that fails again after each scoped restart
    // (recovered between) would otherwise be restarted for ever, one quiet incident each.
    if (this.flappingLimit()) return false;
    // It counts in the restart window like any restart (the series may be off: flapping.window 0). The one that would
    // trip it is left to the counted restart that follows, which counts it and trips the breaker.
    const d = recordRestart(this.s.restartHistory, this.now, this.p.intensity);
    if (d.tripped) return false;
    this.s.restartHistory = d.history;
    inc.scopesTried = [...(inc.scopesTried ?? []), key];
    const settleMs = this.p.scopedRestart.settleMs;
    this.emit(
      'incident.action',
      'warning',
      `${this.p.name}: restarting channel ${scope.channel} only (its readiness failed past the gateway's own recovery); the gateway itself keeps running`,
      { action: 'scope-restart', scope: key, channel: scope.channel, probe, settleMs },
      1,
    );
    this.fx.push({ type: 'restart-scope', scope, settleMs });
    return true;
  }

  /**
   * A Level 1 restart (a probe verdict, a prediction): it counts in the intensity window like a crash, so a
   * loop of them trips the breaker and climbs instead of restarting forever.
   */
  private countedRestart(reason: StartReason, graceMs: number, cause: string, openWith?: string): void {
    const d = this.countRestart();
    const flapping = this.flappingLimit() ?? this.failedStartsLimit();
    if (d.tripped || flapping) {
      const again = flapping !== null && this.flappingTrippedAgain();
      if (openWith) this.openIncident(1, openWith);
      this.stopInstance(graceMs, { then: 'hold' });
      this.setHold('crash-loop', `${d.tripped ? this.crashLoopText(d.count) : flapping} (last: ${reason})`);
      this.climb(`${d.tripped ? `restart loop: ${d.count} restarts within ${formatDuration(this.p.intensity.window)}, then it failed again` : flapping} (last: ${cause})${again ? REPAIR_DID_NOT_HOLD : ''}`, again);
      return;
    }
    // A failing probe's restarts back off like a crash's (one attempt count; a stable run resets it), Kubernetes'
    // CrashLoopBackOff for liveness: without it a health endpoint that always fails was restarted every few seconds.
    const s = this.s;
    const backsOff = (reason === 'probe' || reason === 'memory') && s.instance !== null;
    const attempt = s.backoffAttempt;
    const delayMs = backsOff ? backoffDelay(attempt, this.p.backoff, () => this.ctx.random()) : 0;
    if (backsOff) s.backoffAttempt = attempt + 1;
    const after = delayMs > 0 ? ` (${formatDuration(delayMs)} after it stops, attempt ${attempt + 1})` : '';
    this.restarting('warning', `restarting ${this.p.name} (${reason})${after}`, { reason, ...(backsOff ? { delayMs, attempt } : {}) }, 1);
    if (delayMs > 0) this.stopInstance(graceMs, { then: 'start', reason, delayMs });
    else this.restartInstance(reason, graceMs);
  }

  private request(input: Extract<ServiceInput, { type: 'request' }>): void {
    const s = this.s;
    const p = this.p;
    // A person's word (or the interrupted update's own, as a person's) ends the boot's hold of an interrupted update.
    if (input.by === 'human' && input.action !== 'doctor' && input.action !== 'reset') delete s.updateHold;
    switch (input.action) {
      case 'start':
      case 'resume': {
        s.desired = 'up';
        s.coolDownUntil = null;
        if (input.by === 'human' && this.deferToRevert(input.action)) return;
        if (s.work && input.by === 'human') this.cancelWork(`a person asked to ${input.action} it`, input.action);
        const why = input.by === 'cool-down' ? 'cool-down over' : `${input.action} requested`;
        if (s.held && s.held.reason !== 'repair') this.clearHold(why, true);
        // A resume, or a person's start of a service that is not running (stopped in the middle of a crash loop), gets a
        // fresh restart window and backoff (systemd, PM2): kept, its next exit waited the loop's longest delay (16 s).
        const starts = s.phase === 'backoff' || (!s.instance && s.phase !== 'starting' && s.phase !== 'stopping');
        if (input.action === 'resume' || (input.by === 'human' && starts)) this.freshRestartWindow();
        // A person acted: a flapping series starts fresh (their fix deserves a clean slate, as the restart window does).
        if (input.by === 'human') s.flapping = null;
        // A person's start/resume counts as their act even on an incident the cool-down already handed back.
        if (input.by === 'human' && s.incident) s.incident.coolDownRetries = 0;
        // A person started a failed service its policy kept down (systemctl start of a failed unit): they resolved it,
        // not the ladder. Journaled "auto-resolved", the digest counted a person's start as self-healing.
        if (input.by === 'human' && s.incident?.status === 'open' && s.keptDown && !s.instance && !s.incident.startedByPerson) {
          s.incident.startedByPerson = true;
          this.emit('incident.action', 'info', `${p.name}: ${input.action} by a person (it was kept down by restart policy ${p.restartPolicy})`, { action: 'human-start' });
        }
        if (this.reopen()) {
          const inc = s.incident!;
          inc.coolDownRetries = input.by === 'cool-down' ? (inc.coolDownRetries ?? 0) + 1 : 0;
          this.emit('incident.action', 'info', `${p.name}: ${input.by === 'cool-down' ? 'cool-down over, trying again' : `${input.action} by a person`}`, { action: input.by === 'cool-down' ? 'cool-down-resume' : 'human-resume' });
        }
        // The start is the cool-down's (not a person's resume) whether it follows at once or once the stop under way ends.
        const reason: StartReason = input.by === 'cool-down' ? 'cool-down' : input.action === 'resume' ? 'resume' : 'manual';
        if (s.phase === 'stopping' && s.afterStop?.then !== 'dispose') s.afterStop = { then: 'start', reason };
        if (s.phase === 'backoff' || (!s.instance && s.phase !== 'starting')) {
          s.phase = s.held ? 'held' : 'stopped';
          this.startNow(reason);
        }
        return;
      }
      case 'stop': {
        s.desired = 'down';
        s.nextStartAt = null;
        s.coolDownUntil = null;
        // Stopping never races a revert: the stop goes ahead, the revert finishes (and then nothing climbs).
        if (this.deferToRevert('stop')) {
          /* the repair hold stays until the files are back */
        } else {
          if (s.work) this.cancelWork('a person asked to stop it');
          if (s.held?.reason === 'repair') s.held = null;
        }
        // It had recovered and is stopped before health held for the confirm time: the recovery stands, and no
        // incident stays open (nor reminds anyone) on a service stopped on purpose.
        const inc = s.incident;
        if (inc?.recoveredAt != null && inc.status === 'open' && !s.work) this.resolve(inc.recoveredAt);
        // Not recovered (stopped during the backoff of a crash loop, or while unhealthy): a person took it over, and
        // with the service wanted down nothing could ever resolve it (reminders for ever, incidents_open stuck at 1).
        // A Level 4 incident stays: it waits for their resume, and its page says so.
        else if (inc?.status === 'open' && !s.work && input.by === 'human') this.closeIncident('stop');
        // A person took the service down: whatever flapping came before is theirs to judge, not a series to continue.
        if (input.by === 'human') s.flapping = null;
        if (this.stopInstance(p.stopGraceMs, { then: 'stay' })) return;
        // A start under way (its preflight's validator, up to a minute) is cancelled, not waited out and then stopped.
        if (s.phase === 'starting' && input.by === 'human') this.fx.push({ type: 'cancel-start', by: 'stop' });
        if (s.phase !== 'starting') {
          s.phase = s.held ? 'held' : 'stopped';
          this.emit('service.stopped', 'info', `${p.name} stopped`);
        }
        return;
      }
      case 'restart':
        return this.restartRequest(input.by, input.runId);
      case 'reset':
        return this.resetCounts(input.by, input.who);
      case 'doctor': {
        // A person asks for the doctor on an open incident (e.g. from the chat after an escalation).
        const inc = s.incident;
        if (input.by !== 'human' || !inc || s.work) return;
        inc.status = 'open';
        inc.doctorRuns++;
        inc.coolDownRetries = 0;
        s.coolDownUntil = null;
        this.enter(2, `the doctor was asked for by a person`);
        this.startWork('doctor', p.doctorTimeoutMs);
        this.emit('incident.action', 'info', `${p.name}: running the doctor (asked for by a person, run ${s.work!.id})`, { action: 'doctor', requested: true, runId: s.work!.id }, 2);
        this.fx.push({ type: 'run-doctor', runId: s.work!.id, incident: structuredClone(inc) });
        return;
      }
    }
  }

  /**
   * A person's `clawback reset NAME` (`pm2 reset`): RESTARTS, the crash-loop window and the backoff attempt back to 0.
   * The process is not touched and a hold is not lifted (`resume` lifts it); clawback_restarts_total, a Prometheus
   * counter, keeps counting (it is fed by service.restarting events, never by this number).
   */
  private resetCounts(by: Extract<ServiceInput, { type: 'request' }>['by'], who?: string): void {
    const s = this.s;
    if (by !== 'human') return;
    const before = { restarts: s.restartsTotal, window: s.restartHistory.length, attempt: s.backoffAttempt };
    // Nothing counted (`systemctl reset-failed` on a unit with nothing failed is silent): no journal line of 0 -> 0.
    if (before.restarts === 0 && before.window === 0 && before.attempt === 0) return;
    s.restartsTotal = 0;
    // A restart decided and not started yet (its backoff, the stop before it) stays in the window: emptied, the breaker
    // let maxRestarts more run after it (one more than its limit).
    const pending = s.phase === 'backoff' || (s.phase === 'stopping' && s.afterStop?.then === 'start');
    s.restartHistory = pending ? s.restartHistory.slice(-1) : [];
    s.backoffAttempt = 0;
    delete s.failedStarts;
    const asker = who && withoutEscapes(who).trim() !== '' ? withoutEscapes(who).trim().slice(0, 100) : 'a person';
    const held = s.held ? `${s.held.reason}: ${s.held.detail}` : null;
    const stays = held ? `; it stays held (${held}): \`${resumeCommandOf(this.p)}\` lifts the hold` : '';
    this.emit(
      'service.reset',
      'info',
      `${this.p.name}: restart count reset by ${asker} (restarts ${before.restarts} -> 0, crash-loop window ${before.window} -> ${s.restartHistory.length}${s.restartHistory.length > 0 ? ': the restart already scheduled stays counted' : ''}, backoff attempt ${before.attempt} -> 0)${stays}`,
      { by: asker, restartsBefore: before.restarts, windowBefore: before.window, backoffAttemptBefore: before.attempt, held },
    );
  }

  private restartRequest(by: Extract<ServiceInput, { type: 'request' }>['by'], runId?: string): void {
    const s = this.s;
    const p = this.p;
    // A service a person stopped that still runs (a stop that could not be sent) is not restarted on anyone else's word:
    // its restart would start it again once it ends (a dependency's restart, a prediction, an agent).
    if (by !== 'human' && s.desired === 'down') return;
    if (by === 'human') {
      s.desired = 'up';
      s.flapping = null;
      if (this.deferToRevert('restart')) return;
      if (s.work) this.cancelWork('a person asked to restart it', 'restart');
      if (s.held) this.clearHold('restarted by request', true);
      this.reopen();
      if (s.incident) s.incident.coolDownRetries = 0;
      // A restart already under way (a second `clawback restart` while the first waits for the exit) is the same
      // restart: counted and announced once, not twice for one stop and one start.
      const joins = s.phase === 'stopping' && (s.afterStop?.then === 'start' || (s.afterStop?.then === 'stay' && s.afterStop.wasStart === true));
      if (s.instance && !joins) {
        this.restarting('warning', `restarting ${p.name} (manual)`, { reason: 'manual' }, 0);
      }
      if (s.phase === 'backoff') s.phase = 'stopped';
      // Already on its way down (their own stop, a Level 4 stop): the restart is the start after it. A stop's
      // stronger follow-up ('stay', 'hold') kept the service down with nothing to start it.
      if (s.phase === 'stopping' && s.afterStop?.then !== 'dispose') {
        s.afterStop = { then: 'start', reason: 'manual' };
        return;
      }
      // A start under way with nothing spawned yet (its preflight's validator): that start ends and a fresh one begins,
      // its preflight reading the files as they are now (a person who fixed the config and restarts).
      if (s.phase === 'starting' && !s.instance) {
        this.fx.push({ type: 'cancel-start', by: 'restart' });
        return;
      }
      // A person's restart is planned: the service drains (like `openclaw gateway restart`).
      this.restartInstance('manual', p.drainGraceMs);
      return;
    }
    if (by === 'agent') {
      // Only the agent of the run in flight may restart, and its restarts are the repair's business.
      if (s.work?.kind !== 'agent' || (runId !== undefined && s.work.id !== runId)) return;
      const asked = s.work.restarts ?? 0;
      if (asked >= AGENT_RESTARTS_PER_RUN) {
        if (asked === AGENT_RESTARTS_PER_RUN) {
          s.work.restarts = asked + 1;
          this.emit('incident.action', 'warning', `${p.name}: the Level 3 agent run ${s.work.id} asked for more than ${AGENT_RESTARTS_PER_RUN} restarts; the rest are refused (Clawback verifies the service after the run)`, { action: 'agent-restarts-refused', runId: s.work.id, limit: AGENT_RESTARTS_PER_RUN }, 3);
        }
        return;
      }
      s.work.restarts = asked + 1;
      this.restarting('warning', `restarting ${p.name} (agent)`, { reason: 'agent' }, 3);
      this.restartInstance('agent');
      return;
    }
    if (s.held || s.work || s.maintenance || s.phase !== 'running') return;
    if (by === 'group') {
      this.restarting('warning', `restarting ${p.name} (dependency)`, { reason: 'dependency' }, 0);
      this.restartInstance('dependency');
      return;
    }
    // prediction: a restart before the crash counts like one; a breaker trip opens the incident to climb with
    this.countedRestart('prediction', p.drainGraceMs, 'prediction', 'proactive restarts do not hold');
  }

  private doctorDone(runId: string, outcome: 'fixed' | 'nothing-found' | 'not-fixed', summary: string, files: DoctorFileChange[], otherRepairs: string[], personOnly?: string): void {
    const s = this.s;
    if (s.work?.kind !== 'doctor' || s.work.id !== runId) return;
    const rearmed = s.work.rearmed === true;
    s.work = null;
    const inc = s.incident!;
    inc.lastRung = `doctor: ${summary}`;
    // A repair is not rolled back when health does not come back after it: whoever takes over must know it was made.
    if (outcome === 'fixed') inc.repairsKept = [...(inc.repairsKept ?? []), summary].slice(-5);
    if (s.desired === 'down') return;
    // "Nothing found" is worth another start only when what stopped us was the preflight (a port a dying
    // leftover held a moment ago): the start re-checks it. After exit 78 or a crash loop it fixes nothing,
    // unless the run was re-armed after a daemon restart: the interrupted run may have repaired it before it died.
    const retry = outcome === 'fixed' || (outcome === 'nothing-found' && (s.held?.reason === 'preflight' || rearmed));
    // A run that rewrote a user's file but left the rest unfixed: the service never ran healthy with its change, so the
    // change is not kept on trust either (put back like a repair that did not hold, then the climb).
    // What is left is a person's to fix (software to install, a directory or a variable to give): another start fails the
    // same way and an agent, confined to the working directory and the config, may not install software. Level 4 at once.
    if (outcome === 'not-fixed' && files.length === 0 && personOnly !== undefined) return this.human(`doctor: a person must fix it: ${personOnly}`);
    if (outcome === 'not-fixed' && files.length > 0) return this.revertDoctorThenClimb({ doctorRunId: runId, incidentId: inc.id, doctorFiles: files, doctorSummary: summary, otherRepairs }, `doctor could not fix it: ${summary}`);
    if (!retry) return this.climb(`doctor could not fix it: ${summary}`, true);
    const what =
      outcome === 'fixed'
        ? `the doctor repaired it (${summary})`
        : rearmed
          ? 'the doctor found nothing to fix now; the run the daemon restart interrupted may have repaired it already (its evidence files, e.g. *.corrupt-*, are kept); starting again'
          : 'the doctor found nothing to fix; starting again';
    // Restarts after a repair count toward the breaker: a repair that does not hold must climb, not loop. A repair of a
    // crash loop starts a fresh window (as a person's resume or the agent's fix does), bounded by the doctor's attempts:
    // kept, the loop that led here had filled it, and the repaired service was never started (Level 4 at once). A repair
    // a preflight refusal led to keeps counting: one that does not hold (a port re-taken at once) ends at a human soon.
    // The same for every hold the service sits in unstarted (exit 78, a person's doctor run at Level 4 after the agent,
    // a re-armed run's "starting again"): kept, the restarts from before the hold tripped the breaker on the one start
    // the doctor makes, and the journal said "restarts do not hold after the doctor" of a service never started.
    if (freshWindowAfterDoctor(s, outcome, rearmed)) {
      s.restartHistory = [];
      delete s.failedStarts;
    }
    const d = this.countRestart();
    // A run that rewrote a user's file is verified: the service must be healthy for the window after it, or the files go back.
    const verified = outcome === 'fixed' && files.length > 0;
    const repair = { doctorRunId: runId, incidentId: inc.id, doctorFiles: files, doctorSummary: summary, otherRepairs };
    if (d.tripped) {
      if (s.held) s.held.detail = this.crashLoopText(d.count);
      const why = `restarts do not hold after the doctor: ${this.crashLoopText(d.count)}`;
      if (verified) return this.revertDoctorThenClimb(repair, why);
      return this.climb(why, false);
    }
    this.emit('incident.action', 'info', `${this.p.name}: restarting after the doctor: ${what}`, { action: 'restart-after-doctor', outcome }, 2);
    this.clearHold(outcome === 'fixed' ? 'doctor' : 'doctor found nothing', false);
    this.restarting('info', `restarting ${this.p.name} after the doctor`, { reason: 'doctor' }, 2);
    if (s.phase === 'backoff') s.phase = 'stopped';
    if (verified) {
      const win = this.p.doctorVerifyWindowMs;
      this.startWork('verify', win + verifyStartAllowance(win, this.p.startupGraceMs), { ...repair, healthySince: null });
      this.emit('incident.action', 'info', `${this.p.name}: verifying the doctor's repair: it must be healthy for ${formatDuration(win)}, or the ${files.length} file(s) it changed are put back`, { action: 'verify', runId, files: files.map((f) => f.path) }, 2);
    }
    this.restartInstance('doctor');
  }

  private agentDone(runId: string, outcome: AgentOutcome, detail: string, launched: boolean, busyUntil?: number): void {
    const s = this.s;
    if (s.work?.kind !== 'agent' || s.work.id !== runId) return;
    const w = s.work;
    const incidentId = w.incidentId;
    s.work = null;
    const inc = s.incident!;
    if (!launched) {
      // A run that never started (a wait for a person's repair, a refusal, a tmux/PTY that did not start) is no attempt:
      // the budget gets it back, and neither this incident nor a later return of the failure counts the agent as tried.
      const paid = s.agentRuns.lastIndexOf(w.startedAt);
      if (paid >= 0) s.agentRuns.splice(paid, 1);
      inc.agentRuns = 0;
      inc.agentNotStarted = true;
    }
    if (outcome === 'busy') {
      // A wait for another agent run in the cwd: tried again until that run's own time box is over (plus a margin),
      // bounded from the first wait; a wait for a person's repair (no end known): a bounded number of times.
      const busySince = w.busySince ?? w.startedAt;
      const waitUntil = busyUntil !== undefined && Number.isFinite(busyUntil) ? Math.min(busyUntil + AGENT_BUSY_MARGIN_MS, busySince + AGENT_BUSY_WAIT_MAX_MS) : undefined;
      const waits = (w.busyWaits ?? 0) + (waitUntil === undefined ? 1 : 0);
      if (waitUntil !== undefined ? this.now < waitUntil : waits <= AGENT_BUSY_RETRIES) {
        const again = waitUntil !== undefined ? `tried again, for up to ${formatDuration(waitUntil - this.now)} more (the run it waits for ends by its own time box)` : `tried again (${waits} of ${AGENT_BUSY_RETRIES})`;
        this.emit('incident.action', 'warning', `${this.p.name}: the Level 3 agent run did not start (${detail}); not counted against the budget, ${again}`, { action: 'agent-retry-after-repair', runId, attempt: (w.busyTries ?? 0) + 1, ...(waitUntil !== undefined ? { until: waitUntil } : {}) }, 3);
        inc.agentRuns = 1;
        delete inc.agentNotStarted;
        this.launchAgent();
        s.work!.busyWaits = waits;
        s.work!.busyTries = (w.busyTries ?? 0) + 1;
        s.work!.busySince = busySince;
        return;
      }
    }
    inc.lastRung = `agent: ${detail}`;
    if (outcome !== 'completed' || !this.p.agent) {
      return this.revertThenClimb(runId, incidentId, detail, !launched ? `the agent never started: ${detail} (not counted against the budget)` : outcome === 'proposed' ? `the agent proposed a fix for a person to apply: ${detail}` : `the agent did not fix it: ${detail}`, !launched);
    }
    if (s.held?.reason === 'repair') s.held = null;
    const win = this.p.agent.verifyWindowMs;
    const healthyNow = !!s.instance && s.phase === 'running' && s.health === 'healthy';
    this.startWork('verify', win + verifyStartAllowance(win, this.p.startupGraceMs), { agentRunId: runId, healthySince: healthyNow ? this.now : null });
    this.emit('incident.action', 'info', `${this.p.name}: verifying the agent's fix: it must stay healthy for ${formatDuration(win)}`, { action: 'verify', runId }, 3);
    if (s.phase === 'held') s.phase = 'stopped';
    if (!s.instance) this.startNow('verify');
    else if (s.health === 'unhealthy') {
      this.restarting('warning', `restarting ${this.p.name} to verify the agent's fix (it is unhealthy)`, { reason: 'verify' }, 3);
      this.restartInstance('verify');
    }
  }

  private verifyFailed(why: string): void {
    const s = this.s;
    const w = s.work!;
    s.work = null;
    if (w.doctorRunId) {
      if (s.incident) s.incident.lastRung = `doctor: its repair did not hold: ${why}`;
      return this.revertDoctorThenClimb(w, why);
    }
    if (s.incident) s.incident.lastRung = `agent: its fix did not hold: ${why}`;
    if (w.agentRunId) return this.revertThenClimb(w.agentRunId, w.incidentId, why, `the agent's fix did not hold: ${why}`);
    this.climb(`the agent's fix did not hold: ${why}`, true);
  }

  private tick(): void {
    const s = this.s;
    const now = this.now;
    const p = this.p;
    if (s.startup && s.startup.until <= now) this.startupExpired();
    if (s.phase === 'backoff' && s.nextStartAt !== null && s.nextStartAt <= now && !s.disposed) {
      s.nextStartAt = null;
      s.phase = 'stopped';
      // A probe's or memory limit's restart was counted and said when decided: its start is no second restart.
      const delayed = s.backoffFor;
      delete s.backoffFor;
      if (delayed) this.startNow(delayed);
      else {
        // Counted when it runs, as clawback_restarts_total counts this event: counted at scheduling, `clawback status`
        // said one restart more than /metrics for the whole backoff, and for ever when a stop cancelled it.
        this.restarting('warning', this.againText(), { reason: 'exit', attempt: Math.max(0, s.backoffAttempt - 1) }, 0);
        this.startNow('exit');
      }
    }
    if (s.coolDownUntil !== null && s.coolDownUntil <= now) {
      s.coolDownUntil = null;
      // A person's stop stands: the cool-down retries the ladder only for a service that is wanted up.
      if (s.incident?.status === 'waiting-human' && s.desired === 'up') this.request({ type: 'request', action: 'resume', by: 'cool-down' });
    }
    const w = s.work;
    const win = w?.kind === 'verify' ? verifyWindowOf(w, p) : null;
    if (w?.kind === 'verify' && w.healthySince != null && win !== null && now - w.healthySince >= win) {
      s.work = null;
      if (w.agentRunId) this.fx.push({ type: 'finish-agent', runId: w.agentRunId, incidentId: w.incidentId, keep: true, reason: `healthy for ${formatDuration(win)}` });
      // What it did besides its files (a state migration beside the config, a killed holder) stays too: said, not only on a revert.
      const others = w.otherRepairs ?? [];
      if (w.doctorRunId) this.emit('incident.action', 'info', `${p.name}: the doctor's repair held (healthy for ${formatDuration(win)}); its file changes are kept${others.length > 0 ? `; and what it did besides: ${others.join('; ')}` : ''}`, { action: 'doctor-kept', runId: w.doctorRunId, ...(others.length > 0 ? { otherRepairs: others } : {}) }, 2);
      if (s.incident) this.resolve(w.healthySince);
    } else if (w && w.deadline <= now) {
      if (w.kind === 'approval') {
        s.work = null;
        if (s.incident) s.incident.lastRung = 'nobody approved the agent run';
        this.human(`nobody approved the Level 3 agent run within ${formatDuration(w.deadline - w.startedAt)}`);
      } else if (w.kind === 'verify') {
        this.verifyFailed(`not healthy for ${formatDuration(win ?? 0)} within ${formatDuration(now - w.startedAt)}`);
      } else if (w.kind === 'revert') {
        s.work = null;
        const who = w.doctorRunId ? 'doctor' : 'agent';
        if (s.incident) s.incident.lastRung = `${s.incident.lastRung ?? who}; reverting its changes did not finish within ${formatDuration(REVERT_DEADLINE_MS)}`;
        if (w.personAsked) this.afterRevert(w.personAsked, ` (not confirmed: the revert did not finish within ${formatDuration(REVERT_DEADLINE_MS)})`, who);
        else {
          // The repair's hold ends with it: the next rung sets its own (none in maintenance: a person is at work).
          if (s.held?.reason === 'repair' && s.maintenance) this.clearHold('the revert is over', false);
          this.climb(`${w.climb ?? 'the agent did not fix it'} (reverting its changes did not finish within ${formatDuration(REVERT_DEADLINE_MS)})`, true);
        }
      } else {
        s.work = null;
        this.fx.push({ type: 'cancel-work', runId: w.id, kind: w.kind as 'doctor' | 'agent' });
        const text = `the ${w.kind} did not finish within ${formatDuration(w.deadline - w.startedAt)}`;
        if (s.incident) s.incident.lastRung = `${w.kind}: ${text}`;
        if (w.kind === 'agent') this.revertThenClimb(w.id, w.incidentId, text, text);
        else {
          if (s.held?.reason === 'repair') s.held = null;
          this.climb(text, true);
        }
      }
    }
    if (s.maintenance?.until != null && s.maintenance.until <= now) this.maintenanceOff('the deadline');
    const remindAt = maintenanceReminderDue(s, p);
    if (s.maintenance && remindAt !== null && remindAt <= now) {
      const m = s.maintenance;
      m.remindedAt = now;
      this.emit('maintenance.reminder', 'warning', `${p.name}: still in maintenance after ${formatDuration(now - m.since)} (by ${m.by}${m.reason ? `, ${m.reason}` : ''}, no end set): it is watched but not restarted or healed; \`clawback maintenance ${p.name} off\` ends it`, { by: m.by, reason: m.reason, since: m.since, forMs: now - m.since });
    }
    if (s.placement?.active && s.placement.stopBy !== null && s.placement.stopBy <= now) {
      this.emit('cluster.fenced', 'critical', `${p.name}: the lease could not be renewed in time; this member fences itself (stops its instance before the lease can expire elsewhere)`, { token: s.placement.token });
      this.losePlacement('the lease could not be renewed in time', true);
    }
    // confirmDue is null unless the incident has recovered.
    const confirm = confirmDue(s, p);
    if (confirm !== null && now >= confirm) this.resolve(s.incident!.recoveredAt!);
    const calm = flappingEnds(s, p);
    if (calm !== null && now >= calm) s.flapping = null;
    const stable = stableRunAt(s, p);
    if (stable !== null && now >= stable) s.backoffAttempt = 0;
  }

  /**
   * Every time kept is a wall-clock reading; after a step they are read on the new scale, so they move by the step:
   * set back an hour, a 5 s backoff waited an hour and the restart history looked empty; set forward, a running
   * time-box or maintenance window ended at once. A lease deadline only moves earlier: a step forward may be a sleep
   * during which etcd let the lease expire.
   */
  private clockStepped(byMs: number): void {
    const s = this.s;
    const at = (t: number): number => t + byMs;
    const maybe = (t: number | null | undefined): number | null | undefined => (t == null ? t : t + byMs);
    s.restartHistory = s.restartHistory.map(at);
    s.agentRuns = s.agentRuns.map(at);
    s.nextStartAt = maybe(s.nextStartAt) ?? null;
    s.coolDownUntil = maybe(s.coolDownUntil) ?? null;
    s.healthySince = maybe(s.healthySince) ?? null;
    if (s.startup) s.startup = { since: at(s.startup.since), until: at(s.startup.until) };
    if (s.instance) s.instance = { ...s.instance, startedAt: at(s.instance.startedAt) };
    if (s.lastExit) s.lastExit.at = at(s.lastExit.at);
    if (s.held) s.held.since = at(s.held.since);
    if (s.maintenance) {
      s.maintenance.since = at(s.maintenance.since);
      s.maintenance.until = maybe(s.maintenance.until) ?? null;
      if (s.maintenance.remindedAt !== undefined) s.maintenance.remindedAt = at(s.maintenance.remindedAt);
    }
    if (s.work) {
      s.work.startedAt = at(s.work.startedAt);
      s.work.deadline = at(s.work.deadline);
      if (s.work.busySince !== undefined) s.work.busySince = at(s.work.busySince);
      if (s.work.healthySince != null) s.work.healthySince = at(s.work.healthySince);
    }
    if (s.agentTried) {
      s.agentTried.at = at(s.agentTried.at);
      if (s.agentTried.lastResolvedAt !== null) s.agentTried.lastResolvedAt = at(s.agentTried.lastResolvedAt);
    }
    if (s.flapping) {
      s.flapping.since = at(s.flapping.since);
      if (s.flapping.lastResolvedAt !== null) s.flapping.lastResolvedAt = at(s.flapping.lastResolvedAt);
    }
    if (s.incident) {
      s.incident.openedAt = at(s.incident.openedAt);
      if (s.incident.firstSignalAt !== undefined) s.incident.firstSignalAt = at(s.incident.firstSignalAt);
      if (s.incident.firstSignalNotBefore !== undefined) s.incident.firstSignalNotBefore = at(s.incident.firstSignalNotBefore);
      if (s.incident.recoveredAt != null) s.incident.recoveredAt = at(s.incident.recoveredAt);
    }
    if (s.placement && byMs < 0) {
      if (s.placement.stopBy !== null) s.placement.stopBy = at(s.placement.stopBy);
      if (s.placement.killBy !== null) s.placement.killBy = at(s.placement.killBy);
    }
    this.tick();
  }

  private effectFailed(effect: string, error: string, nothingSent: boolean): void {
    const s = this.s;
    // A stop that sent nothing (an external pid it cannot identify, no stopCommand): no exit is coming, and "stopping"
    // stayed in `clawback status` for ever. It runs as it was: said at once; a person's stop keeps the service wanted down
    // (once its manager or a person ends it, it is not started again), and a restart or hold waiting for the exit is dropped.
    if (effect === 'stop' && nothingSent && s.phase === 'stopping' && s.instance) {
      const after = s.afterStop?.then;
      s.afterStop = null;
      s.phase = 'running';
      const left = after === 'start' ? 'not restarted' : after === 'hold' ? 'held, but left running' : 'left running';
      this.emit('daemon.fault', 'critical', `${this.p.name}: could not stop: ${error}; it is ${left} as it was (pid ${s.instance.pid})`, { effect, error });
      // The daemon is letting it go meanwhile (its shutdown, a reload): no exit to wait for, left to its manager.
      if (s.disposed) this.fx.push({ type: 'release' });
      return;
    }
    this.emit('daemon.fault', 'critical', `${this.p.name}: could not ${effect}: ${error}`, { effect, error });
    if (effect === 'start') this.startFailed(error);
    else if (effect === 'stop' && s.phase === 'stopping') {
      // The stop failed half-way; the exit (if any) still arrives. Nothing else is safe to assume.
    }
  }

  private maintenanceOn(until: number | null, reason: string, by: string): void {
    const s = this.s;
    if (!this.deferToRevert('maintenance') && s.work) this.cancelWork(`maintenance started by ${by}`);
    if (s.phase === 'backoff') s.phase = 'stopped';
    s.nextStartAt = null;
    s.coolDownUntil = null;
    s.maintenance = { since: this.now, until, reason, by };
    const left = until !== null ? ` for ${formatDuration(until - this.now)}` : ' until turned off';
    this.emit('maintenance.started', 'warning', `${this.p.name}: maintenance${left} by ${by}${reason ? ` (${reason})` : ''}: watched and reported, not healed`, { until, reason, by });
  }

  private maintenanceOff(by: string): void {
    const s = this.s;
    const m = s.maintenance;
    if (!m) return;
    s.maintenance = null;
    // Still at Level 4 (nobody resumed it during the maintenance): the cool-down maintenance cleared starts over.
    const waiting = s.incident?.status === 'waiting-human' && s.held !== null;
    const coolDown = waiting && this.p.coolDownMs > 0 && s.desired === 'up';
    if (coolDown) s.coolDownUntil = this.now + this.p.coolDownMs;
    // The ladder stopped for the maintenance (a doctor run a person asked for did not fix it): the hold still waits for them.
    const paused = !waiting && s.held !== null && s.incident?.status === 'open' ? s.incident.climbPaused : undefined;
    const still = waiting
      ? `; still at Level 4: run \`${resumeCommandOf(this.p)}\`${coolDown ? ` (or the cool-down tries again in ${formatDuration(this.p.coolDownMs)})` : ''}`
      : paused !== undefined
        ? `; still held at Level ${s.incident!.level} (${paused}): run \`${resumeCommandOf(this.p)}\` when fixed`
        : '';
    const keptDown = s.keptDown && s.desired === 'up' && !s.instance ? `; it ended during the maintenance and restart policy ${this.p.restartPolicy} keeps it down: \`clawback start ${this.p.name}\` runs it again` : '';
    const waits = waiting || paused !== undefined;
    this.emit('maintenance.ended', waits ? 'warning' : 'info', `${this.p.name}: maintenance ended (${by}); healing is back${still}${keptDown}`, { by, afterMs: this.now - m.since, ...(waits ? { waitingHuman: true } : {}), ...(keptDown ? { keptDown: true } : {}) });
    if (s.desired === 'up' && !s.instance && !s.held && s.phase !== 'starting' && !s.keptDown) this.startNow('resume');
    // Still judged unhealthy when healing comes back: act on it now, as on a fresh verdict (no probe repeats a verdict).
    // Not for one a person stopped that runs on (a stop that could not be sent): theirs, not healed.
    else if (s.desired === 'up' && s.instance && s.phase === 'running' && s.health === 'unhealthy' && !s.held && !s.work) {
      const why = 'still unhealthy when maintenance ended';
      this.openIncident(1, why);
      this.countedRestart('probe', this.p.stopGraceMs, why);
    }
  }

  private approval(incidentId: string, approve: boolean, by: string): void {
    const s = this.s;
    const w = s.work;
    if (w?.kind !== 'approval' || w.incidentId !== incidentId) return;
    s.work = null;
    this.emit('incident.action', 'info', `${this.p.name}: the Level 3 agent run was ${approve ? 'approved' : 'refused'} by ${by}`, { action: approve ? 'approved' : 'refused', by }, 3);
    if (approve) this.launchAgent();
    else {
      s.incident!.lastRung = `${by} refused the agent run`;
      this.human(`${by} refused the Level 3 agent run`);
    }
  }

  private placement(input: Extract<ServiceInput, { type: 'placement' }>): void {
    const s = this.s;
    const was = s.placement;
    if (!input.active) {
      s.placement = { active: false, token: null, holder: input.holder ?? null, stopBy: null, killBy: null };
      // The first fact (before boot) only marks the service a standby; boot decides about an adopted instance.
      if (was && (was.active || s.instance)) this.losePlacement(input.reason ?? (input.holder ? `${input.holder} holds the lease` : 'the lease is not ours'), false);
      return;
    }
    const token = input.token ?? was?.token ?? null;
    // The same lease renewed after its deadline passed: meanwhile nothing could start the service here (an exit was
    // not restarted, a due backoff or a fenced stop's start was refused), and nothing but this renewal would now.
    const lapsed = !!was?.active && (was.stopBy === null || this.now >= was.stopBy);
    s.placement = { active: true, token, holder: input.holder ?? null, stopBy: input.stopBy ?? null, killBy: input.killBy ?? null };
    const won = !was?.active || was.token !== token;
    if (!won && !lapsed) return;
    if (won) {
      this.emit('cluster.leader', 'info', `${this.p.name}: this member holds the lease now (fencing token ${token})`, { token });
      if (s.phase === 'backoff') {
        s.phase = 'stopped';
        s.nextStartAt = null;
      }
    }
    if (s.desired === 'up' && !s.maintenance && !s.work) {
      if (!s.instance) this.startNow('placement');
      // Won back while the instance it fenced is still on its way down: start it again once gone (nothing else would).
      else if (s.phase === 'stopping' && s.afterStop?.then === 'stay') s.afterStop = { then: 'start', reason: 'placement' };
    }
  }

  /** The lease is gone (or going): stop the instance before the guard would kill it, then stand by. */
  private losePlacement(reason: string, fenced = false): void {
    const s = this.s;
    const pl = s.placement;
    if (pl) {
      pl.active = false;
      pl.stopBy = null;
    }
    if (s.phase === 'backoff') {
      s.phase = 'stopped';
      s.nextStartAt = null;
    }
    if (!s.instance) return;
    const killBy = pl?.killBy ?? null;
    const grace = killBy !== null ? Math.max(0, Math.min(this.p.stopGraceMs, killBy - this.now)) : this.p.stopGraceMs;
    if (!fenced) this.emit('cluster.standby', 'warning', `${this.p.name}: stopping this member's instance: ${reason}`, { reason });
    this.stopInstance(grace, { then: 'stay' });
  }

  private shutdown(stopService: boolean, removed: boolean, replaced = false): void {
    const s = this.s;
    s.disposed = true;
    // A verification the reload ends (the replacement starts afresh) leaves the doctor's repair as it is: said, with its files.
    if (removed && s.work?.kind === 'verify' && s.work.doctorRunId) this.doctorHandedOver(s.work, 'a config reload removed or replaced the service');
    if (removed) this.closeIncident('reload');
    // A backoff under way keeps its time for the next daemon (a disposed reducer starts nothing meanwhile).
    if (s.phase !== 'backoff') s.nextStartAt = null;
    const w = s.work;
    // Work stays in the state: the next daemon re-arms or fails it. Here it only stops running.
    if (w && (w.kind === 'doctor' || w.kind === 'agent')) this.fx.push({ type: 'cancel-work', runId: w.id, kind: w.kind });
    if (!s.instance) return;
    // A reload that removed an external service leaves it to its manager, as the daemon's stop does: said, once, or the
    // service vanished from the status with no word of what became of it. Said beside the release, not instead of it.
    if (removed && !replaced && this.p.external && s.phase !== 'stopping') this.emit('service.left-running', 'info', `${this.p.name}: removed from the config; left running under its manager (pid ${s.instance.pid}), no longer watched by Clawback`, { pid: s.instance.pid });
    if (stopService && !this.p.external) this.stopInstance(this.p.stopGraceMs, { then: 'dispose' });
    // A stop under way (a restart's, a hold's) has signalled the instance already: its exit is watched to the end, or
    // the runtime stopped watching, the shutdown waited out its whole bound and the state kept a dead pid as 'stopping'.
    else if (s.phase !== 'stopping') this.fx.push({ type: 'release' });
  }
}
