// The whole persisted picture of one service that its reducer decides over: process, hold, incident, in-flight work.
import type { Level } from '../observe/events.js';
import type { InstanceRecord } from '../supervisor/service-process.js';
import type { DoctorFileChange } from './inputs.js';

export type Phase = 'stopped' | 'starting' | 'running' | 'stopping' | 'backoff' | 'held';
/** Why restarts stopped: a crash loop, exit 78, a failed preflight, a human's turn, or a repair at work. */
export type HoldReason = 'crash-loop' | 'config' | 'preflight' | 'human' | 'repair';
export type StartReason =
  | 'boot'
  | 'exit'
  | 'probe'
  | 'memory'
  | 'prediction'
  | 'manual'
  | 'dependency'
  | 'doctor'
  | 'agent'
  | 'resume'
  | 'verify'
  | 'cool-down'
  | 'placement';
/** Who asked for an action: a person (CLI, API, dashboard) or one of the daemon's reporters. */
export type Requester = 'human' | 'prediction' | 'group' | 'agent' | 'cool-down';

export interface LastExit {
  code: number | null;
  signal: string | null;
  at: number;
  uptimeMs: number;
  statusKnown: boolean;
  /**
   * The daemon was paused (SIGSTOP, a frozen VM) when the exit happened: it may have happened any time from the pause's
   * start (this, wall ms) to `at`, when the daemon noticed it. Absent from normal runs.
   */
  notBefore?: number;
  /** The start failed before any process ran (the spawn error: ENOENT, EACCES, EMFILE): there was no exit to describe. */
  startError?: string;
}

/** What failed in the first place, kept with the incident so Level 4 can say it. */
export interface IncidentCause {
  summary: string;
  lastExit?: LastExit;
  /** The last lines the service printed before the exit that opened or climbed the incident (redacted later). */
  lastLines?: string[];
}

export interface Incident {
  id: string;
  /** When the incident was opened (the failure was seen). */
  openedAt: number;
  /** The first failure signal: the exit, or the first failed probe result of the run that led to it. TTR starts here. */
  firstSignalAt?: number;
  /** The first signal was seen late (the daemon was paused): it may have come as early as this; the outage is at most from here. */
  firstSignalNotBefore?: number;
  level: Level;
  highestLevel: Level;
  reason: string;
  doctorRuns: number;
  /** Agent runs that really started in this incident (one that never started is no attempt). */
  agentRuns: number;
  /** A Level 3 run was due but never started: the ladder climbs past the agent until the incident is resumed. */
  agentNotStarted?: boolean;
  status: 'open' | 'waiting-human';
  cause?: IncidentCause;
  /** What became of the incident's agent run when a later rung overwrites lastRung (a person cancelled it): Level 4 says it. */
  agentRung?: string;
  /** The result of the last rung that ran (doctor or agent), for the next rung and for the human. */
  lastRung?: string;
  /** What the doctor's repairs in this incident changed, still in place: a later rung overwrites lastRung, the human must still be told. */
  repairsKept?: string[];
  /** First healthy verdict since the last failure; the incident resolves once health held for the confirm time (every level). */
  recoveredAt?: number | null;
  /** Parts already restarted on their own in this incident ("channel:telegram"): the next failure of one restarts the whole. */
  scopesTried?: string[];
  /** Cool-down retries of the ladder since a person last acted; an escalation after one is a repeat, not news. */
  coolDownRetries?: number;
  /** The failure came back this many times, each within restart.flapping.window of the last recovery (see Flapping). */
  recurrence?: number;
  /** A person started the service that its restart policy kept down: the recovery that follows is theirs, not the ladder's. */
  startedByPerson?: boolean;
  /**
   * The ladder stopped for a person at work (maintenance) after a rung's result (why): the hold waits for them, no rung is
   * in flight. A new daemon must not take it for an older Clawback's unrecorded run and start the doctor (and the service).
   */
  climbPaused?: string;
  /**
   * The guardian's direct revive (no daemon ran) took the human rung only because it has no doctor and no agent: why
   * it climbed. The next daemon's boot takes the service back and climbs its own ladder from there (a person's
   * `resume` was needed before, whatever the daemon's doctor could have done).
   */
  guardianHeld?: string;
}

/**
 * A service that fails again soon after recovering (a slow crash loop, a slow probe flap): its incidents form one
 * series. Kept from the first resolution until the service ran clean for restart.flapping.window or a person acted.
 */
export interface Flapping {
  /** The incident that started the series. */
  firstIncidentId: string;
  since: number;
  /** Incidents opened within the window after the previous one resolved. */
  recurrences: number;
  /** When the last incident of the series resolved; null while one is open. */
  lastResolvedAt: number | null;
  /** The series tripped the breaker already and a repair (not a person) let it run again. */
  tripped?: boolean;
}

/**
 * A Level 3 agent run did not fix a failure and a person was called. A person's resume gives the service a fresh start
 * (restart window, flapping series), not the agent a fresh budget: the failure coming back soon after is the one the
 * paid run already failed on, and no further run starts on its own until the service ran clean for a while.
 */
export interface AgentTried {
  /** The incident whose agent run failed. */
  incidentId: string;
  at: number;
  /** When the last incident since resolved; null while one is open. */
  lastResolvedAt: number | null;
}

/** Work in flight: it belongs to one incident, has a deadline, and is persisted. */
export interface Work {
  /**
   * approval: Level 3 waits for a person to approve the agent run (emergency.approval: required).
   * revert: a failed agent run's (or doctor run's) file changes are being put back; the next rung is told only once they are.
   */
  kind: 'doctor' | 'agent' | 'verify' | 'approval' | 'revert';
  id: string;
  incidentId: string;
  startedAt: number;
  deadline: number;
  /** verify, revert: the agent run whose changes are kept or reverted by this work. */
  agentRunId?: string;
  /** revert: why the run failed, the reason the ladder climbs with once the revert is done. */
  climb?: string;
  /** revert: what a person asked for meanwhile; carried out once the files are back, instead of climbing. */
  personAsked?: 'start' | 'resume' | 'restart' | 'stop' | 'maintenance';
  /** doctor: re-armed by a new daemon; the interrupted run may have repaired already, so "nothing found" is worth a start. */
  rearmed?: boolean;
  /** verify, revert: the doctor run whose file changes are kept or reverted by this work (instead of an agent run). */
  doctorRunId?: string;
  /** verify, revert of a doctor run: the files it rewrote, what it said it repaired, and its repairs that are no file. */
  doctorFiles?: DoctorFileChange[];
  doctorSummary?: string;
  otherRepairs?: string[];
  /** verify: healthy since (continuously); null while not healthy. */
  healthySince?: number | null;
  /** agent: restarts this run asked for and got (past AGENT_RESTARTS_PER_RUN, one more: the refusal was said). */
  restarts?: number;
  /** agent: how many runs of this incident before this one waited out a person's repair and never started (not counted). */
  busyWaits?: number;
  /** agent: how many runs of this incident before this one never started, waiting for anything (the journal's attempt). */
  busyTries?: number;
  /** agent: when this incident's first run that never started (busy) began: the bound of all the waits after it. */
  busySince?: number;
}

export interface Hold {
  reason: HoldReason;
  detail: string;
  since: number;
}

/** A person said "I am working on it": watched and reported, nothing acts, until `until` (null: until turned off). */
export interface Maintenance {
  since: number;
  until: number | null;
  reason: string;
  by: string;
  /** The last reminder that a maintenance with no end is still on (absent: none yet). */
  remindedAt?: number;
}

/** Where a `placement: singleton` service may run: only on the member holding its etcd lease (absent: everywhere). */
export interface Placement {
  /** This member holds the service's lease. */
  active: boolean;
  /** The fencing token: the etcd revision at which this member won the lease; every start carries it. */
  token: number | null;
  /** The member that holds it (null: nobody, or not known yet). */
  holder: string | null;
  /** Until this time the lease is surely ours; past it, without a renewal, the reducer stops the instance. */
  stopBy: number | null;
  /** The fence guard SIGKILLs the instance at this time: a stop's grace ends before it. */
  killBy: number | null;
}

export interface ServiceState {
  desired: 'up' | 'down';
  phase: Phase;
  instance: InstanceRecord | null;
  /** What happens when the instance being stopped has exited. */
  afterStop: { then: 'start'; reason: StartReason; /** Wait this long after the exit first (a probe restart's backoff). */ delayMs?: number } | { then: 'hold' } | { then: 'stay'; /** Journaled as the stop began (a cancelled start's): no second "stopped" at the exit. */ told?: true; /** It overrode the start after this stop (a restart counted already): a restart now joins that one. */ wasStart?: true } | { then: 'dispose' } | null;
  restartHistory: number[];
  backoffAttempt: number;
  /**
   * Backoff: the start it waits for is a probe's or a memory limit's restart (counted and said when it was decided),
   * not an exit's; absent: an exit's.
   */
  backoffFor?: 'probe' | 'memory';
  restartsTotal: number;
  lastExit: LastExit | null;
  held: Hold | null;
  /** Backoff: when the next start is due. */
  nextStartAt: number | null;
  /** Level 4 with a cool-down: when the ladder is tried again by itself. */
  coolDownUntil: number | null;
  health: 'pending' | 'healthy' | 'unhealthy';
  healthySince: number | null;
  incident: Incident | null;
  work: Work | null;
  /** Start times of agent runs (the budget is counted over these). */
  agentRuns: number[];
  maintenance: Maintenance | null;
  /** The daemon is going away: nothing new is started. */
  disposed?: boolean;
  /**
   * It ended where its restart policy keeps it down (a finished job, a `never` service's crash): a daemon restart does
   * not run it again (a machine boot since, or a person's start, does). Absent in an older state: started at boot as before.
   */
  keptDown?: boolean;
  /** Set at boot while an interrupted update's resume has not decided (what the update was): no start but a person's. */
  updateHold?: string;
  /** Set for a singleton service of a cluster: it runs only while this member holds its lease. */
  placement?: Placement;
  /** The series of incidents of a service failing again soon after each recovery (absent: none). */
  flapping?: Flapping | null;
  /** The instance's start-up window (startup.timeout) is open: since when, until when; absent: none open. */
  startup?: { since: number; until: number };
  /**
   * The running instance passed its first healthy check (epoch ms): a daemon that adopts it opens no start-up window
   * again. Absent: not yet, or no instance (an older state: the window is anchored at the instance's start).
   */
  cameUpAt?: number;
  /** Starts in a row whose start-up window ran out before a healthy check (the breaker counts them); absent: none. */
  failedStarts?: number;
  /** The agent failed on this failure (see AgentTried); absent: none. */
  agentTried?: AgentTried | null;
}

/** What state.json keeps per service beside the incident. */
export type ServiceRecord = Omit<ServiceState, 'incident'>;

export function initialState(desired: 'up' | 'down'): ServiceState {
  return {
    desired,
    phase: 'stopped',
    instance: null,
    afterStop: null,
    restartHistory: [],
    backoffAttempt: 0,
    restartsTotal: 0,
    lastExit: null,
    held: null,
    nextStartAt: null,
    coolDownUntil: null,
    health: 'pending',
    healthySince: null,
    incident: null,
    work: null,
    agentRuns: [],
    maintenance: null,
  };
}

/**
 * Accepts what an older daemon persisted ({record, incident} with fewer fields) and fills the gaps, so an
 * upgrade never loses restart history, a hold or an open incident.
 */
export function normalizeState(saved: unknown, incident: unknown, desired: 'up' | 'down'): ServiceState {
  const base = initialState(desired);
  if (!saved || typeof saved !== 'object') return base;
  const s = saved as Partial<ServiceState>;
  const out: ServiceState = { ...base, ...s };
  // A restart waiting out its backoff stays due at its time: a new daemon neither drops nor hurries it.
  const waiting = s.phase === 'backoff' && typeof s.nextStartAt === 'number';
  out.phase = out.held ? 'held' : out.instance ? 'running' : waiting ? 'backoff' : 'stopped';
  // A stop under way (a person's stop or restart, a hold) is carried on by the next daemon if the instance still runs.
  out.afterStop = s.phase === 'stopping' && s.instance && s.afterStop ? s.afterStop : null;
  out.disposed = false;
  out.nextStartAt = out.phase === 'backoff' ? (s.nextStartAt ?? null) : null;
  out.agentRuns = Array.isArray(s.agentRuns) ? s.agentRuns : [];
  out.work = s.work ?? null;
  out.maintenance = s.maintenance ?? null;
  out.health = 'pending';
  out.healthySince = null;
  // The boot decides an adopted instance's window (anchored at its start; none if it came up before).
  delete out.startup;
  if (!out.instance || typeof s.cameUpAt !== 'number') delete out.cameUpAt;
  // A lease belongs to the daemon that won it: a new daemon stands by until it wins one itself.
  delete out.placement;
  const inc = (s.incident ?? incident ?? null) as Incident | null;
  out.incident = inc ? { ...inc } : null;
  const series = ongoingSeries(s.flapping, out.incident);
  if (series) out.flapping = series;
  else delete out.flapping;
  return out;
}

/**
 * A saved flapping series, if it still matches the incident: an open one must be its latest recurrence, and none may
 * be open after a recovery. A daemon that keeps no series (an older Clawback, after a rollback) carried the field
 * along unchanged while its own incidents came and went: continued, it counted them into a series that had ended.
 */
function ongoingSeries(saved: unknown, incident: Incident | null): Flapping | null {
  if (!saved || typeof saved !== 'object') return null;
  const f = saved as Flapping;
  if (typeof f.firstIncidentId !== 'string' || typeof f.since !== 'number' || typeof f.recurrences !== 'number') return null;
  if (f.lastResolvedAt === null) return incident?.recurrence === f.recurrences ? { ...f } : null;
  return typeof f.lastResolvedAt === 'number' && !incident ? { ...f } : null;
}
