// The numbers a service's reducer decides with, taken from its config once (pure data, no config objects inside).
import type { ServiceConfig } from '../config/schema.js';
import { repairValidationsMs } from '../doctor/repair-bounds.js';

export interface ServicePolicy {
  name: string;
  restartPolicy: 'always' | 'on-failure' | 'never';
  backoff: { initial: number; max: number; multiplier: number; jitter: number };
  stableAfterMs: number;
  intensity: { maxRestarts: number; window: number };
  preventExitCodes: number[];
  /** A clean exit of a healthy instance whose last output lines match this is a restart it asked for (restart.selfRestartPattern). */
  selfRestartPattern?: string;
  /** An exit in preventExitCodes whose last lines match this goes straight to a human (restart.humanOnlyPattern). */
  humanOnlyPattern?: string;
  /** An exit in preventExitCodes whose last lines match this is restarted as a crash, no hold (restart.retryPattern). */
  retryPattern?: string;
  coolDownMs: number;
  /** How often a maintenance with no end is said to be still on (0: never). */
  maintenanceReminderMs: number;
  stopGraceMs: number;
  hangGraceMs: number;
  /** A planned restart (memory limit, prediction, readiness, a person's restart): the service may drain this long. */
  drainGraceMs: number;
  /** The smallest scope first: a readiness finding naming a channel restarts that channel once per incident. */
  scopedRestart: { settleMs: number } | null;
  /** Doctor runs per incident (0 = no Level 2). */
  doctorAttempts: number;
  doctorTimeoutMs: number;
  confirmAfterMs: number;
  /** A doctor run that rewrote files: the service must be healthy for this long after it, or the files are put back. */
  doctorVerifyWindowMs: number;
  /** The longest start-up grace of its probes: a verification waits at least this long for the first healthy verdict. */
  startupGraceMs: number;
  /** startup.timeout: liveness is not judged until the first healthy check or this long after a start (0/absent: no window). */
  startupWindowMs?: number;
  /** One check of its slowest restart probe the window holds off (interval + timeout): an adopted window has at least this left. */
  startupCheckMs?: number;
  /**
   * A failure within windowMs of the last recovery continues a series (one numbered incident after another, the
   * backoff not reset); more than maxRecurrences trips the breaker. windowMs 0: off.
   */
  flapping: { windowMs: number; maxRecurrences: number };
  /** Level 3, absent when no agent is configured. */
  agent: { timeBoxMs: number; verifyWindowMs: number; budgetRuns: number; budgetWindowMs: number; approval: 'required' | 'none'; approvalTimeoutMs: number } | null;
  /** Another manager runs it: the daemon never stops it on its own shutdown. */
  external: boolean;
  /**
   * The command line a person pastes to resume it (the daemon's state directory and this install's entry point
   * included); absent: `clawback resume NAME`, which addresses ~/.clawback's daemon only.
   */
  resumeCommand?: string;
  /**
   * The guardian's direct revive runs the service under this policy (no doctor, no agent, its start limit): a Level 4
   * its climb reaches for want of those rungs is marked (Incident.guardianHeld) for the daemon to take back.
   */
  guardian?: boolean;
}

/** What Level 4 and its follow-ups tell a person to run. */
export function resumeCommandOf(p: Pick<ServicePolicy, 'name' | 'resumeCommand'>): string {
  return p.resumeCommand ?? `clawback resume ${p.name}`;
}

/** Extra time an agent run gets past its time-box before its deadline counts as missed (the adapter winds down). */
export const AGENT_DEADLINE_SLACK_MS = 60_000;
/**
 * Time a doctor run gets past the service doctor's own timeout (our rules, snapshots); the validator runs a pass may
 * make are counted on top (repairValidationsMs), each bounded by validateTimeout.
 */
export const DOCTOR_DEADLINE_SLACK_MS = 120_000;
/**
 * Restarts one agent run may ask for: a looping model (16 calls a turn, up to 200 turns) restarted the service over and
 * over within its time-box; past it the run's further restarts are refused (said once) and Clawback verifies after it.
 */
export const AGENT_RESTARTS_PER_RUN = 5;

/** How often an agent run that waited out a person's `clawback doctor --fix` (and never started) is tried again. */
export const AGENT_BUSY_RETRIES = 3;
/** A run waiting for another agent run in its cwd is tried again until that run's time box ends, plus this. */
export const AGENT_BUSY_MARGIN_MS = 60_000;
/** However late the run waited for says it ends, a run stops waiting this long after its first wait (then Level 4). */
export const AGENT_BUSY_WAIT_MAX_MS = 2 * 60 * 60_000;
/** How long putting a failed agent run's files back may take before the ladder climbs without waiting for it. */
export const REVERT_DEADLINE_MS = 60_000;

/** A maintenance with no end (`clawback maintenance NAME on` without --for) is said to be still on this often. */
export const MAINTENANCE_REMINDER_MS = 4 * 60 * 60_000;

export function policyFor(service: ServiceConfig, has: { doctor: boolean; agent: boolean; scoped?: boolean }): ServicePolicy {
  const r = service.restart;
  const e = service.emergency;
  return {
    name: service.name,
    restartPolicy: r.policy,
    backoff: { ...r.backoff },
    stableAfterMs: r.stableAfter,
    intensity: { ...r.intensity },
    preventExitCodes: [...r.preventExitCodes],
    ...(r.selfRestartPattern ? { selfRestartPattern: r.selfRestartPattern } : {}),
    ...(r.humanOnlyPattern ? { humanOnlyPattern: r.humanOnlyPattern } : {}),
    ...(r.retryPattern ? { retryPattern: r.retryPattern } : {}),
    coolDownMs: r.coolDown,
    maintenanceReminderMs: MAINTENANCE_REMINDER_MS,
    stopGraceMs: service.stop.grace,
    hangGraceMs: service.stop.hangGrace,
    drainGraceMs: service.stop.drainGrace ?? service.stop.grace,
    scopedRestart: has.scoped && service.openclaw?.channelRestart ? { settleMs: service.openclaw.channelSettle } : null,
    doctorAttempts: has.doctor ? service.doctor.attempts : 0,
    doctorTimeoutMs: service.doctor.timeout + DOCTOR_DEADLINE_SLACK_MS + repairValidationsMs(service.configFile),
    confirmAfterMs: service.doctor.confirmAfter,
    doctorVerifyWindowMs: service.doctor.confirmAfter,
    startupGraceMs: Math.max(0, service.startup?.timeout ?? 0, ...service.probes.map((p) => p.startupGrace ?? 0)),
    ...(service.startup ? { startupWindowMs: service.startup.timeout } : {}),
    ...(service.startup ? { startupCheckMs: Math.max(0, ...service.probes.filter((p) => p.action === 'restart' && p.kind !== 'memory').map((p) => p.interval + p.timeout)) } : {}),
    flapping: { windowMs: r.flapping.window, maxRecurrences: r.flapping.maxRecurrences },
    agent:
      has.agent && e
        ? { timeBoxMs: e.timeBox, verifyWindowMs: e.verifyWindow, budgetRuns: e.budget.runs, budgetWindowMs: e.budget.window, approval: e.approval, approvalTimeoutMs: e.approvalTimeout }
        : null,
    external: !!service.external,
  };
}
