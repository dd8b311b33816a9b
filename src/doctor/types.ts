// The doctor's contracts: what a repair rule detects, fixes and verifies, and what it may touch.
import type { ServiceConfig } from '../config/schema.js';
import type { Clock } from '../platform/clock.js';
import type { ClawbackEvent } from '../observe/events.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { ValidityCache } from './validity-cache.js';

export type FindingSeverity = 'info' | 'warning' | 'critical';

export interface Finding {
  /** Rule id + subject, e.g. "stale-pidfile:/run/gw.pid"; stable across runs. */
  id: string;
  rule: string;
  severity: FindingSeverity;
  title: string;
  evidence: string;
  /** The proposed fix, in human words. */
  fix?: string;
  fixable: boolean;
  /**
   * Reported, but it does not stop the service from running (a volume low on space the doctor can do nothing about):
   * left unfixed, it does not turn a run that fixed the rest into "findings left", which undid that run's repair.
   */
  advisory?: boolean;
  /**
   * Only a person can clear it, and nothing else a repair run could do helps while it stands (another OpenClaw process
   * owns the state dir): the run fixes nothing after it, the service's own doctor is not run, and the ladder hands the
   * incident to a human with it (no agent run).
   */
  blocksRepairs?: boolean;
}

export interface FixOutcome {
  finding: Finding;
  applied: boolean;
  verified: boolean;
  message: string;
  /** sha256 of the touched file before the fix. */
  before?: string;
  /** sha256 of the touched file after the fix. */
  after?: string;
  /** Extra structured facts (diffs, pids, freed bytes), copied into the doctor.repair event. */
  details?: Record<string, unknown>;
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** True when the command was killed because it outlived timeoutMs. */
  timedOut?: boolean;
  /** Set when the command could not be started at all (e.g. ENOENT). */
  error?: string;
  /** True when the command was killed because opts.signal aborted. */
  aborted?: boolean;
}

export interface RunOptions {
  timeoutMs: number;
  cwd?: string;
  /** The complete environment of the command (not merged with ours). */
  env?: Record<string, string>;
  /** Aborting kills the command's process group (SIGTERM, grace, SIGKILL). */
  signal?: AbortSignal;
}

/** Runs argv without a shell; never rejects (a spawn failure is reported in `error`). */
export type CommandRunner = (argv: readonly string[], opts: RunOptions) => Promise<RunResult>;

export interface DoctorContext {
  /** The service, with every path already absolute. */
  service: ServiceConfig;
  stateDir: string;
  clock: Clock;
  snapshots: SnapshotStore;
  emit(e: ClawbackEvent): void;
  /** Default: a real spawn (argv, no shell) that kills its process group on timeout. */
  runner?: CommandRunner;
  /** True when pid is a stale instance of this same service (so stopping it is ours to do). */
  isOwnInstance?(pid: number): boolean;
  /** The name of another service this Clawback supervises when pid is (part of) its instance: named, never stopped. */
  supervisedServiceOf?(pid: number): string | undefined;
  /** The pid of the live, supervised instance, if any: it and its descendants are never findings. */
  currentPid?: number;
  /**
   * More instances of this service started from this state dir that nothing records (state.json lost): one of them may
   * be the live one, so none is proven stale; they are reported, never stopped (as a booting daemon leaves them).
   */
  unrecordedPids?: readonly number[];
  /** A running daemon's pid (seen from `clawback doctor`): whatever it spawned is live, never a stale instance. */
  daemonPid?: number;
  /**
   * The daemon's start on the wall and boot clocks: a lock's wall-clock time proves a pid reused only through it (see
   * judgeOwner). Absent (`clawback doctor`): no lock is judged by its time.
   */
  wallAnchor?: { wall: number; boot: number };
  /** Cancels a doctor run: commands in flight are killed, remaining rules are skipped. */
  signal?: AbortSignal;
  /** Config verdicts by content checksum for this run (runDoctor provides one). */
  validity?: ValidityCache;
}

export interface RepairRule {
  id: string;
  detect(ctx: DoctorContext): Promise<Finding[]>;
  fix(ctx: DoctorContext, f: Finding): Promise<FixOutcome>;
  verify(ctx: DoctorContext, f: Finding): Promise<boolean>;
}
