// What the reducer hears (facts reported by the process layer, probes, repairers, people) and what it orders.
import type { ClawbackEvent } from '../observe/events.js';
import type { InstanceRecord } from '../supervisor/service-process.js';
import type { Incident, Requester, StartReason } from './service-state.js';
import type { ReadinessScope } from '../probes/readiness-scope.js';

export type DoctorOutcome = 'fixed' | 'nothing-found' | 'not-fixed';

/** A user's file a doctor run rewrote: its bytes before (kept as a pre-repair snapshot) and after, by sha256. */
export interface DoctorFileChange {
  path: string;
  /** sha256 of the bytes before the run; null: there was no file (the run created it, a revert moves it aside). */
  before: string | null;
  after: string;
  /** The pre-repair snapshot holding the `before` bytes (what a revert puts back); null for a file the run created. */
  snapshotId: string | null;
}
/** completed: the agent ended by itself (fix mode); the others mean it did not fix anything. */
/** busy: the run never started: a person's `clawback doctor --fix` held the service's repair lock, or another agent run its cwd, past the run's wait. */
export type AgentOutcome = 'completed' | 'failed' | 'timeout' | 'refused' | 'proposed' | 'busy';

export type ServiceInput =
  /** The daemon came up; the executor already tried to re-adopt the persisted instance. */
  /** `waitsForDependencies`: booted now (adopted, work re-armed, requests answered), started once `dependencies-ready`. */
  /** `machineBootedAt`: when the machine last booted (absent: not known), so a job it kept down before runs again. */
  /**
   * `updateInFlight`: an update the last daemon did not finish left its record (what it was): nothing but a person starts
   * the service until `update-resumed` (its resume decided), or it ran on a mix of two versions' files meanwhile.
   */
  | { type: 'boot'; adopted: InstanceRecord | null; waitsForDependencies?: boolean; machineBootedAt?: number; updateInFlight?: string }
  /** What the service depends on is healthy (or the bounded wait is over): the start the boot deferred is due. */
  | { type: 'dependencies-ready' }
  | { type: 'started'; instance: InstanceRecord; reason: StartReason }
  /**
   * The start could not happen: spawn/launch error (counts like a crash). `exhausted`: the daemon itself is out of
   * processes, descriptors or memory (EAGAIN, EMFILE, ENFILE, ENOMEM at its fork): retried with backoff, never a crash loop.
   * `code`: the spawn error's code (ENOENT, EACCES...); the reducer holds a program that cannot be executed at once.
   */
  | { type: 'start-failed'; error: string; exhausted?: boolean; code?: string }
  /**
   * A check before the start said "do not start, repair first". `personOnly`: what it found blocks every repair (another
   * live OpenClaw process owns the state dir): no doctor, no agent, whatever doctor.attempts says; Level 4 with it.
   */
  | { type: 'preflight-failed'; problem: string; personOnly?: boolean }
  /**
   * The start ended before its spawn because the runtime is going away (a shutdown, a reload's handover aborted its
   * preflight's validator), or `by` a person's stop/restart (the reducer's cancel-start): nothing ran, nothing failed.
   * `instance`: an external service's manager had brought it up before the cancel reached its start command: it is stopped.
   */
  | { type: 'start-cancelled'; by?: 'stop' | 'restart'; instance?: { pid: number; pidStartTime: number | null; startedAt: number } }
  /**
   * A person asked again while the shutdown waits out a stop grace (a second Ctrl-C or SIGTERM, as systemd and docker
   * take it): the stop under way ends now, the instance's process group SIGKILLed (a stop with no grace).
   */
  | { type: 'stop-now' }
  | {
      type: 'exited';
      pid: number;
      code: number | null;
      signal: string | null;
      at: number;
      statusKnown: boolean;
      /** The daemon was paused just before it noticed the exit: the pause's start (wall ms), the earliest the exit can have been. */
      notBefore?: number;
      lastLines?: string[];
      leftoversKilled?: number;
      /** Of those, how many it had started outside its group (after a clean exit: the command daemonized). */
      outsideGroup?: number;
      /** Set when it wrote straight onto its log and that disk is full now: what the exit is named for (its ENOSPC). */
      logDiskFull?: string;
    }
  | { type: 'healthy'; pid: number }
  /** `since`: the first failed result of the run of failures that made the verdict (the first failure signal). */
  | { type: 'unhealthy'; pid: number; probe: string; finding?: string; message: string; since?: number }
  /**
   * `reset` (`pm2 reset`): RESTARTS, the crash-loop window and the backoff attempt back to 0; no hold lifted, no process
   * touched. `who`: who asked, as they gave it (cli:USER, dashboard), for its journal line.
   */
  | { type: 'request'; action: 'start' | 'stop' | 'restart' | 'resume' | 'doctor' | 'reset'; by: Requester; reason?: string; runId?: string; who?: string }
  /** `files`: the user's files the run rewrote (a 'fixed' run that did is verified, and reverted if it does not hold); `otherRepairs`: what it did besides (not reverted). */
  /**
   * `personOnly`: what the run left only a person can fix (a missing program or #! interpreter to install, a working
   * directory or an env var to give): no blind start, no agent (it may not install software), Level 4 with the finding.
   */
  | { type: 'doctor-done'; runId: string; outcome: DoctorOutcome; summary: string; files?: DoctorFileChange[]; otherRepairs?: string[]; personOnly?: string }
  /** A doctor run's file changes were reverted (revert-doctor carried out): which files were put back, which were kept and why. */
  | { type: 'doctor-reverted'; runId: string; reverted: string[]; kept: string[]; error?: string }
  /** `launched` false: the agent never started (no process or API call ran): no attempt, its budget is given back. */
  /** `busyUntil` (busy): the other agent run this one waited for ends by its own time box then (epoch ms): tried again until then. */
  | { type: 'agent-done'; runId: string; outcome: AgentOutcome; summary: string; detail: string; launched?: boolean; busyUntil?: number }
  /** A failed agent run's changes were put back (finish-agent, keep false, carried out); `error` when the revert failed. */
  | { type: 'agent-reverted'; runId: string; error?: string }
  /** A person turns maintenance on (optionally until a time) or off. */
  | { type: 'maintenance'; on: boolean; until?: number | null; reason?: string; by: string }
  /** A person answers a Level 3 approval request for an incident. */
  | { type: 'approval'; incidentId: string; approve: boolean; by: string }
  /**
   * An update's rollback put the previous version's files back while the service was stopped (`current` points at the
   * previous version again). `failed`: what it could not put back (a full disk, an unwritable file, no backup): empty,
   * the service is started as a person's start would; otherwise it is held (Level 4), never started on a mix of two
   * versions' files, and the files are named for the person.
   */
  | { type: 'restore-done'; runId: string; failed: Array<{ file: string; error: string }> }
  /**
   * The resume of an interrupted update (see boot's `updateInFlight`) is over: the boot's deferred start is due unless it
   * decided otherwise (started, stopped, held). `hold`: it could not decide (an unreadable record, a crash): Level 4 with it.
   */
  | { type: 'update-resumed'; hold?: string }
  /** Time passed: deadlines (backoff, cool-down, work, verification, confirmation) are due. */
  | { type: 'tick' }
  /**
   * The wall clock stepped by `byMs` (negative: back) while the monotonic clock did not: the times kept in the state
   * move with it, so a step changes no wait, window or time-box (a lease deadline is never moved later).
   */
  | { type: 'clock-stepped'; byMs: number }
  /**
   * The cluster's verdict for a singleton service: this member holds its lease (with the fencing token and
   * the times until which it surely does) or stands by (holder: who runs it instead).
   */
  | { type: 'placement'; active: boolean; token?: number; holder?: string | null; stopBy?: number; killBy?: number; reason?: string }
  /** An effect the executor could not carry out. `nothingSent`: a stop that signalled nothing (the process runs on untouched). */
  | { type: 'effect-failed'; effect: Effect['type']; error: string; nothingSent?: boolean }
  /** `removed`: a config reload removes or replaces the service (its runtime is not coming back with this state). */
  /** `replaced`: the reload hands the service, with new settings, to a new runtime (removed stays true, as for its incident). */
  | { type: 'shutdown'; stopService: boolean; removed?: boolean; replaced?: boolean };

export type Effect =
  /** Wait for the old instance's leftovers, run the preflight, spawn or launch; reports started / preflight-failed / start-failed. */
  | { type: 'start'; reason: StartReason; fencingToken?: number }
  /** Stop the current instance (signal, grace, SIGKILL of the group); reports exited. `drain`: a planned stop given the drain budget. */
  | { type: 'stop'; graceMs: number; drain?: boolean }
  /**
   * Restart one part of the running instance (a channel account) through the service's own interface, then give
   * it `settleMs` before its probes judge again. Its outcome is an event; the next verdict is the reducer's input.
   */
  | { type: 'restart-scope'; scope: ReadinessScope; settleMs: number }
  /** Stop watching the instance without touching it (daemon leaves, the next one adopts). */
  | { type: 'release' }
  | { type: 'run-doctor'; runId: string; incident: Incident }
  | { type: 'run-agent'; runId: string; incident: Incident }
  /**
   * Abort in-flight work; an aborted agent's file changes are reverted by the executor, unless `handover` (why a
   * person cancelled it) is set: then they are kept as they are and listed for that person.
   */
  | { type: 'cancel-work'; runId: string; kind: 'doctor' | 'agent'; handover?: string }
  /**
   * A person's stop or restart of a service whose start is under way (its preflight's validator, up to a minute): the
   * start ends before its spawn (systemctl stop of an `activating` unit); reports start-cancelled with `by`.
   */
  | { type: 'cancel-start'; by: 'stop' | 'restart' }
  /**
   * Keep (verified) or revert (failed) what an agent run changed, and say so; `handover`: a person took over, keep and list;
   * `notStarted`: the agent never ran, so no verdict is recorded for the incident (a later run of it is not refused).
   */
  | { type: 'finish-agent'; runId: string; incidentId: string; keep: boolean; reason: string; handover?: boolean; notStarted?: boolean }
  /** Put a doctor run's file changes back where a file still holds exactly the doctor's bytes (its version kept as evidence); reports doctor-reverted. */
  | { type: 'revert-doctor'; runId: string; incidentId: string; files: DoctorFileChange[]; reason: string }
  | { type: 'emit'; event: ClawbackEvent }
  /** Give up this member's lease on a singleton service so another member can try (Level 4, a failed preflight). */
  | { type: 'release-placement'; reason: string };

export interface Decision<S> {
  state: S;
  effects: Effect[];
}
