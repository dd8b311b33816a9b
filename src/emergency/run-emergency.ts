// Level 3 end to end: lock, snapshot, prompt, time-boxed agent, transcript, our own verification, keep or revert.
import { cutByPerson } from '../doctor/cut-cause.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Incident } from '../decide/service-state.js';
import { AGENT_DEADLINE_SLACK_MS, policyFor } from '../decide/policy.js';
import { verifyStartAllowance } from '../decide/decide.js';
import type { ServiceConfig } from '../config/schema.js';
import type { AgentOutcome, ClawbackEvent, Severity } from '../observe/events.js';
import type { Redactor } from '../observe/redact.js';
import type { Clock } from '../platform/clock.js';
import { writeFileAtomic } from '../platform/atomic-write.js';
import { detectFormat, parseConfigText, sha256 } from '../platform/config-file.js';
import type { AgentAdapter, AgentRunResult, AgentSession, AgentStartInfo, RefusedCall } from './agent-adapter.js';
import type { AdapterName, EmergencyConfig } from './emergency-schema.js';
import type { EmergencyHost } from './tool-host.js';
import { createAdapter, type AdapterFactoryOptions } from './adapter-registry.js';
import { acquireEmergencyLocks, clearServiceRun, serviceRunPath, takeOverServiceRun } from './emergency-locks.js';
import { takeWorkdirLock } from './workdir-lock.js';
import { leftByDeadRun } from './later-snapshots.js';
import type { KeepProtected } from './revert-protected.js';
import { DEFAULT_SNAPSHOT_LIMITS, changesSince, fileHashes, fileModes, fileOwners, revertSnapshot, takeSnapshot, type FileChange, type FileSnapshot } from './file-snapshot.js';
import { summarizeChanges } from './change-summary.js';
import { readLearnings, recordLearning } from './learnings.js';
import { buildPrompt, type ProbeResultView } from './prompt.js';
import { verifyHealth } from './verify-health.js';
import { formatDuration } from '../config/duration.js';
import { spawnRunner } from '../doctor/command-runner.js';
import { takeRepairLock } from '../doctor/repair-lock.js';
import { repairLockWaitMs } from '../doctor/run-doctor.js';
import { tooBroadToEdit } from './cli-agent.js';
import { applyStage, outsideDir, stageConfig, stageEdited, type ConfigStage } from './config-stage.js';
import { lostBetweenTexts, protectedPatterns } from '../doctor/protected-settings.js';
import type { ProtectedGuard } from './tool-set.js';
import { secretFields } from '../observe/config-file-secrets.js';
import { mentionsSecret } from '../observe/secret-keys.js';
import { endAgentLeftovers } from './agent-leftovers.js';
import { looseSecretValues } from './loose-config-secrets.js';
import { diffStamps, stampFiles, stampTree, type OutsideChanges } from './outside-changes.js';
import { tokenPath } from '../server/token.js';
import { openclawPromptNotes } from '../openclaw/prompt-notes.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

export type EmergencyOutcome = 'fixed' | 'failed' | 'timeout' | 'refused' | 'proposed';

export interface EmergencyContext {
  timeline?: ClawbackEvent[];
  probes?: ProbeResultView[];
  doctorFindings?: string[];
  /** How Clawback checks health, for the prompt (e.g. "GET http://127.0.0.1:18789/health -> 200"). */
  healthCheck?: string;
}

export interface RunEmergencyOptions {
  incident: Incident;
  service: ServiceConfig;
  config: EmergencyConfig;
  host: EmergencyHost;
  clock: Clock;
  redactor: Redactor;
  stateDir: string;
  emit(event: ClawbackEvent): void;
  /**
   * Keep the lock on the service's cwd past the session and hand it back as `heldDir`, for the caller to let go once the
   * run's verdict is carried out (the daemon, runEmergency). Without it the session lets it go at its end, so a caller
   * that never judges the run cannot leave the directory locked for every later run.
   */
  holdDirUntilVerdict?: boolean;
  /** Overrides of the built-in adapters (tests, custom agents). */
  adapters?: Partial<Record<AdapterName, AgentAdapter>>;
  /** For the built-in adapters: tmux socket, extra env, key env. */
  adapterOptions?: AdapterFactoryOptions;
  context?: EmergencyContext;
  /** Cancels the run (daemon shutdown): treated like the time-box. */
  signal?: AbortSignal;
  /** How long to wait for an adapter to wind down after the deadline (default 15 s). */
  stopGraceMs?: number;
}

/** What every agent run reports about itself, whatever its verdict. */
export interface AgentRunFacts {
  /** From the call to the agent running (monotonic ms). */
  startLatencyMs?: number;
  /** Of that, the part spent before the adapter was called (locks, snapshot, prompt). */
  prepareMs?: number;
  attachCommand?: string;
  incidentDir?: string;
  transcriptPath?: string;
  changedFiles: string[];
  refusedCalls: RefusedCall[];
}

export interface EmergencyResult extends AgentRunFacts {
  fixed: boolean;
  summary: string;
  outcome: EmergencyOutcome;
  revertedFiles: string[];
}


/**
 * Registers the string values of secret-looking fields of a parsed config (any depth) with the redactor: for an AI
 * prompt a wider net than the daemon's (any key that merely contains a secret word), every value kept whatever it is.
 */
export function registerConfigSecrets(value: unknown, redactor: Redactor): void {
  for (const [, v] of secretFields(value, mentionsSecret)) redactor.addSecret(v);
}

/** One Level 3 event shape for a run in flight and for its verdict (which may come from a later daemon). */
function level3Event(
  at: { clock: Clock; redactor: Redactor; serviceName: string; incidentId: string },
  type: ClawbackEvent['type'],
  severity: Severity,
  message: string,
  details: Record<string, unknown>,
): ClawbackEvent {
  return {
    type,
    time: at.clock.now(),
    severity,
    message: at.redactor.redact(message),
    service: at.serviceName,
    incidentId: at.incidentId,
    level: 3,
    details: at.redactor.redactDeep(details),
  };
}

function event(opts: RunEmergencyOptions, type: ClawbackEvent['type'], severity: Severity, message: string, details: Record<string, unknown>): ClawbackEvent {
  return level3Event({ clock: opts.clock, redactor: opts.redactor, serviceName: opts.service.name, incidentId: opts.incident.id }, type, severity, message, details);
}

function refusedRun(opts: RunEmergencyOptions, reason: string, incidentDir?: string): AgentSessionResult {
  opts.emit(event(opts, 'incident.action', 'warning', `Level 3 refused: ${reason}`, { action: 'agent-refused', reason }));
  return { summary: reason, detail: `refused: ${reason}`, outcome: 'refused', launched: false, incidentDir, changedFiles: [], refusedCalls: [] };
}

function diffSummary(changes: FileChange[], redactor: Redactor): string[] {
  const out: string[] = [];
  for (const c of changes) {
    out.push(`${c.path}: ${c.kind} (+${c.added} -${c.removed})`);
    for (const l of c.diff) out.push(`  ${redactor.redact(l)}`);
  }
  return out.slice(0, 60);
}

/** What an agent run left for its verdict: the daemon's reducer verifies, then keeps or reverts. */
export interface AgentSessionResult extends AgentRunFacts {
  outcome: 'completed' | 'failed' | 'timeout' | 'refused' | 'proposed' | 'busy';
  /** False: the agent never started (refused, waited out a lock, its tmux/PTY or API never came up): no attempt. */
  launched: boolean;
  /** busy: when the agent run it waited for ends by its own time box (epoch ms), where that run said so. */
  busyUntil?: number;
  /** The agent's own account (redacted). */
  summary: string;
  /** One line for the timeline and Level 4: "claude exited 1 after 0.6s: Not logged in". */
  detail: string;
  /** Internal: for the verdict in the same process (runEmergency). */
  snapshot?: FileSnapshot;
  /** The run's end facts as written to agent-run.json, kept in memory: a full disk may have refused the file. */
  runFacts?: AgentRunRecord;
  /**
   * The lock on the service's cwd (workdir-lock.ts), still held: the caller lets it go once the run's verdict is carried
   * out (finishAgentSession), so no other run in that directory starts beside this one's verification or revert.
   */
  heldDir?: { release(): Promise<void> };
}

/** What agent-run.json holds: the revert's safety (end hashes, modes, owners, the snapshot's fingerprint). */
export interface AgentRunRecord {
  adapter?: string;
  mode?: string;
  summary?: string;
  status?: string;
  endHashes?: Record<string, string | null>;
  endModes?: Record<string, number | null>;
  endOwners?: Record<string, string | null>;
  manifestSha256?: string;
  /** Set when the agent used all its turns without finishing (its verdict says so; absent otherwise). */
  outOfTurns?: number;
  /** How long the agent ran (monotonic ms), for the verdict's `agent.finished`. */
  agentMs?: number;
  /** The config whose protected settings a revert keeps as they are at the revert (absent: runs before it was kept). */
  keepProtected?: KeepProtected;
}

const RUN_FILE = 'agent-run.json';

/** The most a run waits for a doctor's repair lock: the reducer's deadline for the run is its time-box + 60 s. */
const REPAIR_LOCK_WAIT_MAX_MS = 45_000;

/** Everything up to the agent's end: lock, snapshot, prompt, time-boxed run, transcript. No verdict. */
export async function runAgentSession(opts: RunEmergencyOptions): Promise<AgentSessionResult> {
  const t0 = opts.clock.monotonic();
  const { incident, service, clock } = opts;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(incident.id)) return refusedRun(opts, `incident id ${JSON.stringify(incident.id)} is not usable as a directory name`);
  const incidentDir = path.join(opts.stateDir, 'incidents', incident.id);
  await mkdirRecursive(incidentDir, 0o700);
  const resultFile = path.join(incidentDir, 'agent-result.json');
  if (await fs.stat(resultFile).then(() => true, () => false)) return refusedRun(opts, `a Level 3 session already ran for incident ${incident.id}`, incidentDir);
  const lock = await acquireEmergencyLocks(opts.stateDir, service.name, incidentDir, clock);
  if (!lock.ok) return refusedRun(opts, lock.reason, incidentDir);
  // The doctor's repair lock too: a person's `clawback doctor --fix` (no daemon routes it while none runs, e.g. before
  // this daemon started) rewrote the files the agent was editing, and this run's revert then undid their repair. The
  // config's own lock as well: a doctor --fix run with another state dir (its own clawback.yaml) held only that one.
  const waitMs = Math.min(repairLockWaitMs(service), REPAIR_LOCK_WAIT_MAX_MS);
  const configPath = service.configFile?.path;
  const lockWaitEnd = clock.monotonic() + waitMs;
  const repair = await takeRepairLock(opts.stateDir, service.name, {
    clock,
    waitMs,
    ...(configPath !== undefined ? { configPath } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onWait: (owner) => opts.emit(event(opts, 'incident.action', 'warning', `Level 3: ${owner ? `pid ${owner.pid}` : 'another process'} is repairing ${service.name} (clawback doctor --fix); the agent waits for it (up to ${formatDuration(waitMs)}) before it edits anything`, { action: 'agent-waits-repair', ...(owner ? { pid: owner.pid } : {}) })),
  });
  if (!repair.ok) {
    await lock.locks.release();
    // Not a refusal of the run: it never started, and the reducer tries it again without counting it (outcome busy).
    const why = `${repair.owner ? `pid ${repair.owner.pid}` : 'another process'} kept repairing ${service.name} (clawback doctor --fix) for ${formatDuration(waitMs)}: the agent does not edit the files beside it`;
    opts.emit(event(opts, 'incident.action', 'warning', `Level 3 did not start: ${why}`, { action: 'agent-waited-repair', reason: why }));
    return { summary: why, detail: `waited: ${why}`, outcome: 'busy', launched: false, incidentDir, changedFiles: [], refusedCalls: [] };
  }
  // Another service's agent at work in this cwd (or one holding it or inside it): its snapshot and revert cover this
  // run's edits too, so wait for it.
  const sharedDir = agentWorkdir(service);
  const dirLock = sharedDir === undefined
    ? { ok: true as const, release: async () => undefined }
    : await takeWorkdirLock(opts.stateDir, sharedDir, {
        clock,
        waitMs: lockWaitEnd - clock.monotonic(),
        // This run's own end (its time box, the wind-down the reducer allows it, then its verification and verdict,
        // which the lock covers too): a run waiting for it waits that long.
        until: clock.now() + opts.config.timeBox + AGENT_DEADLINE_SLACK_MS + verdictAllowanceMs(opts),
        // Named in the lock's note: a run taking over the lock should this daemon die mid-run ends this run's agent first.
        run: path.resolve(incidentDir),
        ...(opts.signal ? { signal: opts.signal } : {}),
        onWait: (owner) => opts.emit(event(opts, 'incident.action', 'warning', `Level 3: another agent run (${owner ? `pid ${owner.pid}` : 'another process'}) is at work in ${sharedDir}, ${service.name}'s cwd, or in a directory holding it or inside it; this run waits for it (up to ${formatDuration(Math.max(0, lockWaitEnd - clock.monotonic()))}) so neither run's revert undoes the other's changes`, { action: 'agent-waits-agent', cwd: sharedDir, ...(owner ? { pid: owner.pid } : {}) })),
      });
  if (!dirLock.ok) {
    await repair.release();
    await lock.locks.release();
    const why = `another agent run (${dirLock.owner ? `pid ${dirLock.owner.pid}` : 'another process'}) kept working in ${sharedDir}, ${service.name}'s cwd (or a directory holding it or inside it), for ${formatDuration(waitMs)}: the agent does not edit the files beside it`;
    opts.emit(event(opts, 'incident.action', 'warning', `Level 3 did not start: ${why}`, { action: 'agent-waited-agent', reason: why }));
    return { summary: why, detail: `waited: ${why}`, outcome: 'busy', launched: false, ...(dirLock.until !== undefined ? { busyUntil: dirLock.until } : {}), incidentDir, changedFiles: [], refusedCalls: [] };
  }
  let heldDir: { release(): Promise<void> } | undefined;
  try {
    // A run whose daemon died holding the directory (another service's, in the same cwd or one nesting with it) left its
    // agent at work there: ended when its lock was taken over, before this run snapshots the files.
    if (dirLock.ended) {
      opts.emit(event(opts, 'incident.action', 'warning', `Level 3: ${dirLock.ended.length} process(es) of an earlier agent run in ${sharedDir} (its daemon died mid-run) were still running; ended before this run for ${service.name} starts`, { action: 'agent-leftovers-ended', pids: dirLock.ended, cwd: sharedDir }));
    }
    // The folder locks every daemon of this user sees could not be used: a daemon with another state dir whose service
    // shares this cwd may run its agent here at the same time.
    if ('notShared' in dirLock && dirLock.notShared !== undefined) {
      opts.emit(event(opts, 'incident.action', 'warning', `Level 3: the folder locks shared by this user's daemons are not usable (${dirLock.notShared}); ${service.name}'s run takes turns in ${sharedDir} only with runs of this state dir`, { action: 'agent-dir-locks-local', cwd: sharedDir, reason: dirLock.notShared }));
    }
    const { ended: orphans, unjudged } = await takeOverServiceRun(opts.stateDir, service.name, incidentDir, clock);
    if (orphans.length > 0) {
      opts.emit(event(opts, 'incident.action', 'warning', `Level 3: ${orphans.length} process(es) of an earlier agent run for ${service.name} were still running with no daemon judging it; ended before this run starts`, { action: 'agent-leftovers-ended', pids: orphans }));
    }
    if (unjudged) await revertOrphanRun({ ...orphanAt(opts), repairLockHeld: true }, unjudged, 'before this run starts');
    const result = await runLocked(opts, t0, incidentDir);
    // The directory stays this run's until its verdict is carried out: a run let in at the agent's end snapshotted
    // this run's unverified edits, and its own revert later put them back after this run's revert had removed them.
    if (!opts.holdDirUntilVerdict) return result;
    heldDir = dirLock;
    return { ...result, heldDir: dirLock };
  } finally {
    if (heldDir === undefined) await dirLock.release();
    await repair.release();
    await lock.locks.release();
  }
}

/** The directory a service's runs take turns over (its cwd), none for a cwd too broad to edit (/, the home dir). */
export function agentWorkdir(service: Pick<ServiceConfig, 'cwd'>): string | undefined {
  return service.cwd !== undefined && !tooBroadToEdit(path.resolve(service.cwd)) ? path.resolve(service.cwd) : undefined;
}

/** How long after the agent's end its verdict may come: the reducer's verification window and its start allowance. */
function verdictAllowanceMs(opts: RunEmergencyOptions): number {
  const win = opts.config.verifyWindow;
  return win + verifyStartAllowance(win, policyFor(opts.service, { doctor: false, agent: false }).startupGraceMs);
}

/** What judging an orphan needs: where the runs are, and how to say it. */
interface OrphanAt {
  stateDir: string;
  serviceName: string;
  clock: Clock;
  redactor: Redactor;
  emit(event: ClawbackEvent): void;
  /** The service's config file: its repair lock (configRepairLockPath) is taken with the state dir's. */
  configPath?: string;
  /** The caller holds the service's repair lock (a new run about to start). */
  repairLockHeld?: boolean;
  /** The service's cwd lock to take for the revert (agentWorkdir): none when the caller holds it (a new run). */
  workdir?: string;
}

function orphanAt(opts: RunEmergencyOptions): OrphanAt {
  const configPath = opts.service.configFile?.path;
  return { stateDir: opts.stateDir, serviceName: opts.service.name, clock: opts.clock, redactor: opts.redactor, emit: opts.emit, ...(configPath !== undefined ? { configPath } : {}) };
}

/**
 * An earlier run of the service that no daemon judged (its daemon was killed and state.json lost): it was never
 * verified, so it is not kept; its files are put back from its snapshot as a failed run's are (the agent's versions
 * kept under after/), before this run snapshots the files, or at the daemon's start.
 */
async function revertOrphanRun(at: OrphanAt, previousDir: string, when: string): Promise<void> {
  const incidentsDir = path.resolve(at.stateDir, 'incidents');
  if (path.dirname(previousDir) !== incidentsDir) return;
  const exists = (f: string): Promise<boolean> => fs.stat(path.join(previousDir, f)).then(() => true, () => false);
  if ((await exists('agent-result.json')) || !(await exists(path.join('before', 'manifest.json')))) return;
  const incidentId = path.basename(previousDir);
  at.emit(
    level3Event({ clock: at.clock, redactor: at.redactor, serviceName: at.serviceName, incidentId }, 'incident.action', 'warning', `Level 3: the earlier agent run for ${at.serviceName} (incident ${incidentId}) was never judged (its daemon died mid-run); its changes are put back from its snapshot ${when}`, {
      action: 'agent-orphan-reverted',
      runDir: previousDir,
    }),
  );
  await finishAgentSession({
    ...at,
    incidentId,
    keep: false,
    reason: 'never verified: its daemon died mid-run and no daemon judged it',
  });
}

/**
 * At the daemon's start, before the service boots: a run of the service that a killed daemon left unjudged (its
 * record lost with state.json, so the reducer has no work to fail) is judged now, as the reducer judges a run it
 * finds in flight: never verified, so reverted. Waiting for the next run left a service that recovered on its own
 * with the agent's unverified changes for good (and its agent still at work in tmux). `inFlight`: the incident of
 * the work the service's state still holds, which the reducer judges itself.
 */
export async function judgeOrphanRun(at: OrphanAt & { inFlight?: string }): Promise<void> {
  const mark = (await fs.readFile(serviceRunPath(at.stateDir, at.serviceName), 'utf8').catch(() => '')).trim();
  const { inFlight, ...where } = at;
  if (!mark || path.basename(mark) === inFlight) return;
  const lock = await acquireEmergencyLocks(at.stateDir, at.serviceName, mark, at.clock).catch(() => undefined);
  if (!lock?.ok) return;
  try {
    await revertOrphanRun(where, mark, "at the daemon's start");
  } finally {
    await lock.locks.release();
  }
}

/**
 * The verdict on a run: keep what it changed (Clawback saw the service healthy for the verify window) or
 * put every file back (kept as evidence under after/). Works from disk, so a later daemon can finish a run.
 */
export async function finishAgentSession(opts: {
  stateDir: string;
  serviceName: string;
  incidentId: string;
  keep: boolean;
  reason: string;
  redactor: Redactor;
  clock: Clock;
  emit(event: ClawbackEvent): void;
  learningsKeep?: number;
  incidentReason?: string;
  /** A person cancelled the run (start, resume, restart, stop, maintenance): they took over, nothing is reverted. */
  handover?: boolean;
  /** The agent never started: no verdict is recorded (agent-result.json would refuse the incident's next run). */
  notStarted?: boolean;
  /** The run's end facts from memory, used when agent-run.json could not be written or read (a full disk). */
  runFacts?: AgentRunRecord;
  /** The caller holds the service's repair lock already (a new run judging an orphan before it starts). */
  repairLockHeld?: boolean;
  /** The service's config file: its repair lock is taken with the state dir's. */
  configPath?: string;
  /**
   * The service's cwd (agentWorkdir), its lock to take for the verdict: a run whose daemon died (judged at boot, or by
   * the reducer as left in flight) lost its lock with that daemon, and its revert would undo a later run's edits there.
   */
  workdir?: string;
}): Promise<{ changedFiles: string[]; revertedFiles: string[]; keptFiles?: string[] }> {
  if (opts.repairLockHeld) return finishLocked(opts);
  // The verdict writes the files the agent changed (a revert, a secret restored): a doctor's repair (the Level 2 that a
  // resume hands the incident back to, or a person's `clawback doctor --fix`) began ~1 s before a cancelled run's revert
  // ended and wrote the same config at once. Both hold the service's repair lock now, so one waits for the other.
  const repair = await takeRepairLock(opts.stateDir, opts.serviceName, {
    clock: opts.clock,
    waitMs: REPAIR_LOCK_WAIT_MAX_MS,
    ...(opts.configPath !== undefined ? { configPath: opts.configPath } : {}),
    onWait: (owner) => opts.emit(level3Event(opts, 'incident.action', 'warning', `Level 3: ${owner ? `pid ${owner.pid}` : 'another process'} is repairing ${opts.serviceName}; the agent run's verdict waits for it (up to ${formatDuration(REPAIR_LOCK_WAIT_MAX_MS)}) before it puts anything back`, { action: 'agent-verdict-waits-repair', ...(owner ? { pid: owner.pid } : {}) })),
  });
  // Past the wait the verdict goes ahead all the same: an unverified agent's edits left in place are the worse harm.
  try {
    const dir = opts.workdir === undefined ? undefined : await takeVerdictWorkdir(opts, opts.workdir);
    try {
      return await finishLocked(opts);
    } finally {
      if (dir?.ok) await dir.release();
    }
  } finally {
    if (repair.ok) await repair.release();
  }
}

/**
 * The cwd lock for the verdict on a run whose daemon died: another service's run at work in that directory snapshotted
 * it with this run's edits and made its own; the revert waits for that run's turn (up to 45 s), then goes ahead and says so.
 */
async function takeVerdictWorkdir(opts: Parameters<typeof finishAgentSession>[0], workdir: string): Promise<Awaited<ReturnType<typeof takeWorkdirLock>>> {
  const runDir = path.resolve(opts.stateDir, 'incidents', opts.incidentId);
  const dir = await takeWorkdirLock(opts.stateDir, workdir, {
    clock: opts.clock,
    waitMs: REPAIR_LOCK_WAIT_MAX_MS,
    run: runDir,
    onWait: (owner) => opts.emit(level3Event(opts, 'incident.action', 'warning', `Level 3: another agent run (${owner ? `pid ${owner.pid}` : 'another process'}) is at work in ${workdir}, ${opts.serviceName}'s cwd, or in a directory holding it or inside it; the verdict on ${opts.serviceName}'s run waits for it (up to ${formatDuration(REPAIR_LOCK_WAIT_MAX_MS)}) so it does not undo that run's changes`, { action: 'agent-verdict-waits-agent', cwd: workdir, ...(owner ? { pid: owner.pid } : {}) })),
  });
  if (!dir.ok) {
    opts.emit(level3Event(opts, 'incident.action', 'warning', `Level 3: another agent run (${dir.owner ? `pid ${dir.owner.pid}` : 'another process'}) kept working in ${workdir} for ${formatDuration(REPAIR_LOCK_WAIT_MAX_MS)}; the verdict on ${opts.serviceName}'s run goes ahead beside it`, { action: 'agent-verdict-waited-agent', cwd: workdir, ...(dir.owner ? { pid: dir.owner.pid } : {}) }));
  } else if (dir.ended) {
    opts.emit(level3Event(opts, 'incident.action', 'warning', `Level 3: ${dir.ended.length} process(es) of an earlier agent run in ${workdir} (its daemon died mid-run) were still running; ended before the verdict on ${opts.serviceName}'s run`, { action: 'agent-leftovers-ended', pids: dir.ended, cwd: workdir }));
  }
  return dir;
}

async function finishLocked(opts: Parameters<typeof finishAgentSession>[0]): Promise<{ changedFiles: string[]; revertedFiles: string[]; keptFiles?: string[] }> {
  const incidentDir = path.join(opts.stateDir, 'incidents', opts.incidentId);
  const resultFile = path.join(incidentDir, 'agent-result.json');
  // A run that never started beside an earlier one's verdict (refused: "a session already ran"): nothing of it to judge,
  // and the earlier run's files are not judged again.
  if (opts.notStarted && (await fs.stat(resultFile).then(() => true, () => false))) return { changedFiles: [], revertedFiles: [] };
  // A run a dead daemon left in flight may still be at work (its tmux session outlives the daemon): end it first, or
  // it would go on editing the files this verdict keeps or puts back.
  const leftovers = await endAgentLeftovers(path.resolve(incidentDir), opts.clock);
  if (leftovers.length > 0) {
    opts.emit(
      level3Event(opts, 'incident.action', 'warning', `Level 3: ${leftovers.length} process(es) of the agent run for ${opts.serviceName} were still running; ended before its changes are judged`, {
        action: 'agent-leftovers-ended',
        pids: leftovers,
      }),
    );
  }
  const run: AgentRunRecord = await fs.readFile(path.join(incidentDir, RUN_FILE), 'utf8').then((t) => JSON.parse(t) as AgentRunRecord, () => opts.runFacts ?? {});
  const manifestFile = path.join(incidentDir, 'before', 'manifest.json');
  const manifestText = await fs.readFile(manifestFile, 'utf8').catch(() => undefined);
  // The agent may reach the state dir (one inside the service's cwd): a snapshot it rewrote would have the revert
  // write its bytes anywhere, or diff any file into the journal. Only the snapshot as taken is used.
  const tampered = manifestText !== undefined && run.manifestSha256 !== undefined && sha256(manifestText) !== run.manifestSha256;
  if (tampered) {
    opts.emit(
      level3Event(opts, 'incident.action', 'critical', `Level 3: the pre-run snapshot of ${opts.serviceName} (${manifestFile}) was changed during the agent's run: nothing is judged or put back from it`, {
        action: 'agent-snapshot-tampered',
        manifest: manifestFile,
      }),
    );
  }
  const snapshot = manifestText !== undefined && !tampered ? (JSON.parse(manifestText) as FileSnapshot) : undefined;
  // Files that appeared after the agent ended (the service's own, during the verification) are not the run's.
  const changes = snapshot ? await changesSince(snapshot, run.endHashes) : [];
  const diff = diffSummary(changes, opts.redactor);
  // How long the agent ran, as the `incident.action` line says it (absent in a record from before it was kept).
  const ranMs = typeof run.agentMs === 'number' && Number.isFinite(run.agentMs) ? Math.round(run.agentMs) : undefined;
  const ev = (severity: Severity, message: string, details: Record<string, unknown> & { outcome: AgentOutcome }): ClawbackEvent =>
    level3Event(opts, 'agent.finished', severity, ranMs !== undefined ? `${message} (the agent ran ${formatDuration(ranMs)})` : message, { adapter: run.adapter, mode: run.mode, ...(ranMs !== undefined ? { durationMs: ranMs } : {}), ...details });
  const summary = opts.redactor.redact(run.summary ?? '').slice(0, 4000);
  const outOfTurns = typeof run.outOfTurns === 'number' && run.status === 'completed' ? run.outOfTurns : undefined;
  const turnsText = outOfTurns !== undefined ? `the agent ran out of turns (all ${outOfTurns} used without calling finish)` : '';
  const turnsFact = outOfTurns !== undefined ? { outOfTurns } : {};
  if (opts.keep) {
    const how = turnsText ? `; ${turnsText}, kept because the service verified healthy anyway` : '';
    opts.emit(ev('info', `Level 3 fixed ${opts.serviceName}: ${opts.reason}; ${changes.length} file(s) changed${how}`, { outcome: 'fixed', verify: opts.reason, ...turnsFact, changedFiles: changes.map((c) => c.path), diff, summary }));
    await optionalWrite(opts, 'the learning', () => recordLearning(
      opts.stateDir,
      opts.serviceName,
      { time: opts.clock.now(), incidentId: opts.incidentId, adapter: String(run.adapter ?? 'agent'), reason: opts.redactor.redact(opts.incidentReason ?? ''), summary: summary.slice(0, 600), diff: diff.slice(0, 12) },
      opts.learningsKeep ?? 20,
    ));
    await optionalWrite(opts, resultFile, () => writeResult(resultFile, { outcome: 'fixed', ...turnsFact, summary, diff }));
    await clearServiceRun(opts.stateDir, opts.serviceName, incidentDir);
    return { changedFiles: changes.map((c) => c.path), revertedFiles: [] };
  }
  const beforeDir = path.join(incidentDir, 'before');
  if (opts.handover) {
    // The person's own edits may be among these: everything stays as it is; the pre-run copies stay for them.
    const kept = changes.map((c) => c.path);
    const lines = await summarizeChanges(snapshot, changes);
    const where = snapshot ? `; the pre-run copies are in ${beforeDir} (manifest.json maps each file to its copy)` : '';
    opts.emit(
      ev('warning', `Level 3 run for ${opts.serviceName} cancelled by a person (${opts.reason}); nothing reverted, ${kept.length} file(s) changed during the run kept as they are${kept.length ? `: ${lines.join('; ')}` : ''}${where}`, {
        outcome: 'handed-over',
        verify: opts.reason,
        changedFiles: kept,
        keptFiles: kept,
        changes: lines,
        revertedFiles: [],
        beforeDir: snapshot ? beforeDir : null,
        summary,
      }),
    );
    await optionalWrite(opts, resultFile, () => writeResult(resultFile, { outcome: 'handed-over', summary, reason: opts.reason, kept, changes: lines, beforeDir: snapshot ? beforeDir : null }));
    await clearServiceRun(opts.stateDir, opts.serviceName, incidentDir);
    return { changedFiles: kept, revertedFiles: [], keptFiles: kept };
  }
  // No recorded end (its daemon died): a later run in the same folder (another service's, kept) found what this run left;
  // a file changed since is that run's fix, not this run's to put back.
  const leftHashes = snapshot && run.endHashes === undefined ? await leftByDeadRun(opts.stateDir, incidentDir) : undefined;
  const report = snapshot ? await revertSnapshot(snapshot, path.join(incidentDir, 'after'), run.endHashes, { runner: spawnRunner({ clock: opts.clock }), endModes: run.endModes, endOwners: run.endOwners, ...(run.keepProtected ? { keepProtected: run.keepProtected } : {}), ...(leftHashes ? { leftHashes } : {}) }) : undefined;
  const reverted = report?.reverted ?? [];
  const keptAfter = report?.keptChangedAfterAgent ?? [];
  const notReverted = tampered ? [{ path: manifestFile, why: '(the pre-run snapshot was changed during the run: nothing put back from it)' }] : (report?.notReverted ?? []);
  const keptText = keptAfter.length
    ? `; ${keptAfter.length} file(s) changed after the agent ended NOT reverted (someone else edited them): ${keptAfter.join(', ')}; the pre-run copies are in ${beforeDir}`
    : '';
  const carried = Object.entries(report?.carriedProtected ?? {});
  const carriedText = carried.length ? `; protected setting(s) kept as they are now (changed during the run, maybe by a person; the run's version is in ${path.join(incidentDir, 'after')}): ${carried.map(([f, ps]) => `${ps.join(', ')} in ${f}`).join('; ')}` : '';
  const notText = notReverted.length ? `; ${notReverted.length} change(s) could NOT be undone: ${notReverted.map((n) => `${n.path} ${n.why}`).join('; ')}` : '';
  // A run whose end was never recorded (its daemon died mid-run) has no end hashes: a person's edit since the crash
  // cannot be told from the agent's and is put back too. Said, with where their bytes are, never lost unsaid.
  const endUnknown = report !== undefined && run.endHashes === undefined && reverted.length > 0;
  const endUnknownText = endUnknown
    ? `; the agent's end was never recorded (its daemon died), so an edit made since by a person is undone too: the bytes each of ${reverted.join(', ')} had before this revert are kept in ${report!.evidenceDir} (manifest.json maps each file to its copy)`
    : '';
  const head = opts.notStarted
    ? `Level 3 never started for ${opts.serviceName} (${opts.reason})`
    : `Level 3 did not fix ${opts.serviceName} (${turnsText ? `${turnsText}; ` : ''}${opts.reason})`;
  opts.emit(
    ev(opts.notStarted ? 'warning' : 'critical', `${head}; ${reverted.length} file(s) reverted${endUnknownText}${carriedText}${keptText}${notText}`, {
      ...(endUnknown ? { endUnrecorded: true, replacedBytesIn: report!.evidenceDir } : {}),
      // The run's own end (timeout, failed) when it never got to a verification; otherwise the fix did not hold.
      // (a record read back from disk names its status as it likes: anything but a time-box or out of turns is failed)
      outcome: opts.notStarted ? 'not-started' : run.status === 'timeout' ? 'timeout' : outOfTurns !== undefined ? 'out-of-turns' : 'failed',
      verify: opts.reason,
      ...turnsFact,
      changedFiles: changes.map((c) => c.path),
      revertedFiles: reverted,
      keptChangedAfterAgent: keptAfter,
      notReverted,
      ...(carried.length ? { carriedProtected: report!.carriedProtected } : {}),
      ...(report ? { evidenceDir: report.evidenceDir, removedDirs: report.removedDirs } : {}),
      diff,
      summary,
    }),
  );
  if (!opts.notStarted) await optionalWrite(opts, resultFile, () => writeResult(resultFile, { outcome: 'failed', ...turnsFact, summary, reason: opts.reason, reverted, keptChangedAfterAgent: keptAfter, notReverted }));
  await clearServiceRun(opts.stateDir, opts.serviceName, incidentDir);
  return { changedFiles: changes.map((c) => c.path), revertedFiles: reverted };
}

/** Standalone Level 3 (tests, tools): the run, then our own verification, then keep or revert. */
export async function runEmergency(opts: RunEmergencyOptions): Promise<EmergencyResult> {
  const run = await runAgentSession({ ...opts, holdDirUntilVerdict: true });
  try {
    return await judgeRun(opts, run);
  } finally {
    await run.heldDir?.release();
  }
}

async function judgeRun(opts: RunEmergencyOptions, run: AgentSessionResult): Promise<EmergencyResult> {
  const base = {
    startLatencyMs: run.startLatencyMs,
    prepareMs: run.prepareMs,
    attachCommand: run.attachCommand,
    incidentDir: run.incidentDir,
    transcriptPath: run.transcriptPath,
    refusedCalls: run.refusedCalls,
  };
  if (run.outcome === 'refused' || run.outcome === 'busy') return { ...base, fixed: false, summary: run.summary, outcome: 'refused', changedFiles: [], revertedFiles: [] };
  if (run.outcome === 'proposed') return { ...base, fixed: false, summary: run.summary, outcome: 'proposed', changedFiles: [], revertedFiles: run.changedFiles };
  const finish = (keep: boolean, reason: string) =>
    finishAgentSession({
      stateDir: opts.stateDir,
      serviceName: opts.service.name,
      incidentId: opts.incident.id,
      keep,
      reason,
      redactor: opts.redactor,
      clock: opts.clock,
      emit: opts.emit,
      learningsKeep: opts.config.learnings.keep,
      incidentReason: opts.incident.reason,
      ...(opts.service.configFile ? { configPath: opts.service.configFile.path } : {}),
      ...(run.runFacts ? { runFacts: run.runFacts } : {}),
    });
  if (run.outcome !== 'completed') {
    const r = await finish(false, run.detail);
    return { ...base, fixed: false, summary: `${run.outcome}: ${run.detail}. Agent said: ${run.summary}`.slice(0, 4000), outcome: run.outcome, changedFiles: r.changedFiles, revertedFiles: r.revertedFiles };
  }
  const verify = await verifyHealth(opts.host, opts.clock, opts.config.verifyWindow, opts.signal);
  if (verify.healthy) {
    const r = await finish(true, `verified healthy for ${formatDuration(opts.config.verifyWindow)}`);
    return { ...base, fixed: true, summary: run.summary, outcome: 'fixed', changedFiles: r.changedFiles, revertedFiles: [] };
  }
  const r = await finish(false, verify.detail);
  return { ...base, fixed: false, summary: `failed: ${verify.detail}. Agent said: ${run.summary}`.slice(0, 4000), outcome: 'failed', changedFiles: r.changedFiles, revertedFiles: r.revertedFiles };
}

async function runLocked(opts: RunEmergencyOptions, t0: number, incidentDir: string): Promise<AgentSessionResult> {
  const { incident, service, config, host, clock, redactor } = opts;
  // Where the service's relative paths point (its cwd, else the daemon's directory).
  const serviceDir = path.resolve(service.cwd ?? process.cwd());
  // Without a configured working directory the agent starts in an empty private directory: CLI agents read
  // their start directory without asking, and the daemon's directory (often $HOME) holds ~/.ssh and the API token.
  // A cwd that is a home directory (or /home, /) counts as none: other programs write there during the run, and
  // neither the agent's edits nor our revert may reach them.
  const ownDir = service.cwd !== undefined && !tooBroadToEdit(serviceDir);
  const workdir = ownDir ? serviceDir : path.join(incidentDir, 'agent-cwd');
  if (!ownDir) await mkdirRecursive(workdir, 0o700);
  if (service.cwd !== undefined && !ownDir) {
    opts.emit(event(opts, 'incident.action', 'warning', `Level 3: ${service.name}'s cwd ${serviceDir} is a home directory (or holds one): the agent starts in a private directory and may change only the config file`, { action: 'agent-workdir-too-broad', cwd: serviceDir }));
  }
  const configPath = host.configPath ?? (service.configFile ? path.resolve(serviceDir, service.configFile.path) : undefined);
  const defaultPaths = ownDir ? [configPath, workdir] : [configPath];
  const allowedPaths = (config.allowedPaths ?? defaultPaths.filter((p): p is string => !!p)).map((p) => path.resolve(serviceDir, p));

  // Secrets: the service's env, secret fields of its config, whatever the daemon already registered.
  redactor.addSecretEnv(service.env);
  let configText: string | undefined;
  if (configPath) {
    configText = await host.readConfig().catch(() => undefined);
    if (configText !== undefined) {
      const parsed = parseConfigText(configText, detectFormat(configPath, service.configFile?.format));
      if (parsed.ok) registerConfigSecrets(parsed.value, redactor);
      // Broken (the incident itself, often): its secrets still reach the prompt's log and validation text and read_config.
      else for (const v of looseSecretValues(configText)) redactor.addSecret(v);
    }
  }

  const adapterName = config.adapter;
  let adapter: AgentAdapter;
  try {
    adapter = opts.adapters?.[adapterName] ?? createAdapter(adapterName, opts.adapterOptions);
  } catch (e) {
    const why = `adapter ${adapterName} unavailable: ${(e as Error).message}`;
    return { summary: why, detail: why, outcome: 'failed', launched: false, incidentDir, changedFiles: [], refusedCalls: [] };
  }
  const stateDir = path.resolve(opts.stateDir);
  // An agent granted whole directories (Codex, Gemini) cannot be kept out of a part of its working directory: with the
  // state dir inside, it could rewrite state.json (the budget), learnings (later prompts) and the snapshot a revert trusts,
  // and in every mode (plan, read-only included) read the API token, the spool's webhook URLs and unredacted snapshots.
  const real = (p: string): Promise<string> => fs.realpath(p).catch(() => p);
  if (adapter.writeReach === 'directories' && ownDir && !outsideDir(await real(stateDir), await real(workdir))) {
    return refusedRun(
      opts,
      `${service.name}'s cwd ${serviceDir} holds Clawback's state dir ${stateDir} (its API token, the notification spool), and ${adapterName} is granted its whole working directory${config.mode === 'fix' ? '' : ' to read'}: move the state dir out of the cwd (--state-dir), or use adapter claude`,
      incidentDir,
    );
  }

  // 2. Snapshot what the agent may touch (never the log or Clawback's own state).
  const logFile = path.resolve(host.logFile);
  const snapshot = await takeSnapshot(allowedPaths, [logFile, stateDir], path.join(incidentDir, 'before'));
  // Its fingerprint before the agent starts, kept in memory and recorded after it ended (see finishAgentSession).
  const manifestSha256 = sha256(await fs.readFile(path.join(snapshot.dir, 'manifest.json')));
  // A CLI agent reaches the disk itself, beyond what its permission rules say: the service's tree (its cwd, the config's
  // directory) is stamped too, so a change outside the snapshot is found and reported (it cannot be put back).
  const outsideRoots = adapter.writeReach === undefined ? [] : [...new Set([...(ownDir ? [workdir] : []), ...(configPath && !tooBroadToEdit(path.dirname(configPath)) ? [path.dirname(configPath)] : [])])];
  const outsideExcluded = [logFile, stateDir];
  const outsideBefore = outsideRoots.length > 0 ? await stampTree(outsideRoots, outsideExcluded, DEFAULT_SNAPSHOT_LIMITS.maxTreeEntries) : undefined;
  // Clawback's own files the daemon never rewrites during a run (the API token): any change is the agent's doing.
  const ownFiles = [tokenPath(stateDir)];
  const ownBefore = await stampFiles(ownFiles);

  // An agent that can only be granted whole directories edits a config outside its working directory as a copy:
  // its reach stays the files we snapshot and may put back, not everything beside the config.
  const stage =
    adapter.writeReach === 'directories' && config.mode === 'fix' && ownDir && configPath && outsideDir(configPath, workdir) && allowedPaths.includes(path.resolve(configPath))
      ? await stageConfig(configPath, path.join(incidentDir, 'config-edit'))
      : undefined;
  const agentConfigPath = stage?.copyPath ?? configPath;
  // The config's protected settings: told to the agent, refused by its write tool, checked once it has ended.
  const patterns = protectedPatterns(service);
  const guard: ProtectedGuard | undefined = configPath && patterns.length > 0 ? { patterns, format: detectFormat(configPath, service.configFile?.format) } : undefined;
  const agentPaths = stage ? allowedPaths.map((p) => (p === path.resolve(stage.configPath) ? stage.copyPath : p)) : allowedPaths;

  // The prompt: incident, timeline, probes, logs, doctor findings, validation, learnings, layout, bounds.
  const [logTail, validation, learnings] = await Promise.all([
    host.tailLog(200).catch((e: Error) => `(log unavailable: ${e.message})`),
    configText !== undefined ? host.validateConfig(configText).catch(() => undefined) : Promise.resolve(undefined),
    readLearnings(opts.stateDir, service.name),
  ]);
  const channel = adapterName === 'openai' || adapterName === 'anthropic' ? 'api' : 'cli';
  const prompt = buildPrompt(
    {
      serviceName: service.name,
      incident,
      timeline: opts.context?.timeline ?? [],
      probes: opts.context?.probes ?? [],
      logTail,
      doctorFindings: opts.context?.doctorFindings ?? [],
      configValidation: validation,
      learnings,
      layout: {
        configPath: agentConfigPath,
        ...(stage ? { configAppliedTo: stage.configPath } : {}),
        logFile,
        stateDir,
        workdir,
        doctorCommand: service.doctor.command,
        allowedPaths: agentPaths,
        healthCheck: opts.context?.healthCheck,
        protectedSettings: patterns,
      },
      serviceNotes: openclawPromptNotes(service, new Date(clock.now())),
      mode: config.mode,
      channel,
      timeBoxMs: config.timeBox,
      verifyWindowMs: config.verifyWindow,
      maxTurns: config.maxTurns,
    },
    redactor,
  );
  const promptFile = path.join(incidentDir, 'prompt.md');
  await writeFileAtomic(promptFile, prompt, { mode: 0o600 });

  // 3-4. Run under the time-box, enforced here.
  const ac = new AbortController();
  let timedOut = false;
  const timer = clock.setTimeout(() => {
    timedOut = true;
    ac.abort(new Error('timeout'));
  }, config.timeBox);
  // A person's stop (the reducer's handover) stays the reason: the run's doctor pass says it was theirs, not a deadline.
  const onOuterAbort = (): void => ac.abort(cutByPerson(opts.signal) !== undefined ? opts.signal!.reason : new Error('cancelled'));
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) onOuterAbort();
  let startInfo: AgentStartInfo | undefined;
  let startLatencyMs: number | undefined;
  const refusedCalls: RefusedCall[] = [];
  const session: AgentSession = {
    incidentId: incident.id,
    serviceName: service.name,
    prompt,
    promptFile,
    workdir,
    incidentDir,
    allowedPaths: agentPaths,
    ...(agentConfigPath ? { configPath: agentConfigPath } : {}),
    // Without a configured working directory the agent edits nothing (the daemon's own directory is not its to change).
    workdirConfigured: ownDir,
    mode: config.mode,
    ...(guard ? { guard } : {}),
    config,
    host,
    redactor,
    clock,
    signal: ac.signal,
    onStarted(info) {
      if (startInfo) return;
      startInfo = info;
      startLatencyMs = clock.monotonic() - t0;
      opts.emit(
        event(opts, 'agent.started', 'warning', `Level 3: ${adapterName} agent started for ${service.name} (${config.mode}, time-box ${formatDuration(config.timeBox)})${info.attachCommand ? `; watch with: ${info.attachCommand}` : ''}`, {
          adapter: adapterName,
          mode: config.mode,
          timeBoxMs: config.timeBox,
          attachCommand: info.attachCommand,
          handle: info.handle,
          startLatencyMs,
        }),
      );
    },
    onRefused(call) {
      refusedCalls.push(call);
      opts.emit(event(opts, 'incident.action', 'warning', `Level 3: refused agent tool call "${call.tool}"`, { action: 'agent-tool-refused', tool: call.tool, reason: call.reason }));
    },
  };
  const startedAt = clock.monotonic();
  const prepareMs = startedAt - t0;
  let result: AgentRunResult;
  try {
    result = await runWithGrace(adapter, session, ac.signal, clock, opts.stopGraceMs ?? 15_000);
  } finally {
    timer.cancel();
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
  const agentMs = clock.monotonic() - startedAt;
  // Its tmux/PTY came up but the agent itself never ran (its binary not there): as if it never started, budget given back.
  if (result.notStarted !== undefined) startInfo = undefined;
  for (const w of result.warnings ?? []) {
    opts.emit(event(opts, 'incident.action', 'warning', `Level 3: the ${adapterName} agent for ${service.name} ran less contained than it should: ${w}`, { action: 'agent-not-contained', detail: w }));
  }
  // Only a run that ended by itself has its edit applied: one killed or failed would be reverted unverified anyway.
  if (stage) await applyStagedEdit(opts, stage, result.status === 'completed' && startInfo !== undefined);
  // The files as the agent left them: a revert never replaces one that changed after this (a person's edit).
  const endHashes = await fileHashes(snapshot);
  const endModes = await fileModes(snapshot);
  const endOwners = await fileOwners(snapshot);
  const coveredBySnapshot = (f: string): boolean => allowedPaths.some((a) => f === a || f.startsWith(`${a}${path.sep}`));
  const outside: OutsideChanges | undefined = outsideBefore ? diffStamps(outsideBefore, await stampTree(outsideRoots, outsideExcluded, DEFAULT_SNAPSHOT_LIMITS.maxTreeEntries), coveredBySnapshot) : undefined;
  const outsideFiles = outside ? [...outside.changed, ...outside.created, ...outside.removed] : [];
  const own = diffStamps(ownBefore, await stampFiles(ownFiles), () => false);
  const ownChanged = [...own.changed, ...own.created, ...own.removed];
  if (ownChanged.length > 0) {
    opts.emit(
      event(opts, 'incident.action', 'critical', `Level 3: Clawback's own file(s) changed during the ${adapterName} agent's run for ${service.name}: ${ownChanged.join(', ')}; not put back: the daemon's API accepts the token the file now holds; check them (rotate the token)`, {
        action: 'agent-changed-clawback-files',
        changed: own.changed,
        created: own.created,
        removed: own.removed,
      }),
    );
  }
  if (outside && outsideFiles.length > 0) {
    const listed = (k: keyof OutsideChanges): string => (outside[k].length > 0 ? ` ${k}: ${outside[k].slice(0, 10).join(', ')}${outside[k].length > 10 ? ` and ${outside[k].length - 10} more` : ''};` : '');
    opts.emit(
      event(opts, 'incident.action', 'warning', `Level 3: ${outsideFiles.length} file(s) of ${service.name}'s tree outside the agent's allowed paths changed during its run (by the agent or the service); they are not put back, check them:${listed('changed')}${listed('created')}${listed('removed')}`, {
        action: 'agent-changed-outside',
        changed: outside.changed.slice(0, 100),
        created: outside.created.slice(0, 100),
        removed: outside.removed.slice(0, 100),
        count: outsideFiles.length,
      }),
    );
  }

  // 5. Transcript, redacted, 0600.
  const transcriptPath = path.join(incidentDir, 'transcript.txt');
  const header = [
    `# Clawback Level 3 transcript: service ${service.name}, incident ${incident.id}`,
    `# adapter ${adapterName}, mode ${config.mode}, status ${result.outOfTurns !== undefined ? 'ran out of turns' : result.status}${result.exitCode !== undefined ? `, exit ${result.exitCode}` : ''}, ran ${formatDuration(agentMs)}`,
    ...result.refused.map((r) => `# refused tool call: ${r.tool}: ${r.reason}`),
    '',
  ].join('\n');
  // The end facts above are taken; what follows is a record: a full disk (the agent's own doing, maybe) must not cost
  // the verdict or the revert, so each write that fails is named in one warning and the run goes on.
  const unwritten: string[] = [];
  const record = (file: string, text: string): Promise<void> =>
    writeFileAtomic(file, text, { mode: 0o600 }).catch((e: Error) => void unwritten.push(`${file}: ${e.message}`));
  await record(transcriptPath, redactor.redact(`${header}${result.transcript}\n`));
  const summary = redactor.redact(result.summary).slice(0, 4000);
  const base = { startLatencyMs, prepareMs, attachCommand: startInfo?.attachCommand, incidentDir, transcriptPath, refusedCalls };
  // Out of turns is no finish: verified still (the service may be healthy), said plainly, reverted if that fails.
  const outOfTurns = result.status === 'completed' && startInfo ? result.outOfTurns : undefined;
  const common = { adapter: adapterName, mode: config.mode, agentStatus: outOfTurns !== undefined ? 'out-of-turns' : result.status, ...(outOfTurns !== undefined ? { outOfTurns } : {}), agentMs, startLatencyMs, transcript: transcriptPath, refusedCalls: refusedCalls.length };

  // 7. Propose mode: the files must be untouched; the proposal is the output.
  if (config.mode === 'propose') {
    const changes = await changesSince(snapshot);
    const reverted = changes.length > 0 ? (await revertSnapshot(snapshot, path.join(incidentDir, 'after'), undefined, { runner: spawnRunner({ clock }) })).reverted : [];
    opts.emit(
      event(opts, 'agent.finished', 'warning', `Level 3 proposal for ${service.name} (awaiting a human, the agent ran ${formatDuration(agentMs)}): ${summary.slice(0, 300)}`, {
        ...common,
        durationMs: Math.round(agentMs),
        outcome: 'proposed' satisfies AgentOutcome,
        proposal: summary,
        revertedFiles: reverted,
      }),
    );
    // A proposal from an agent that never started is none: no verdict is recorded, so a later run is not refused.
    if (startInfo) await writeResult(path.join(incidentDir, 'agent-result.json'), { outcome: 'proposed', summary });
    return { ...base, summary, detail: `proposal (nothing changed): ${firstLine(summary)}`, outcome: 'proposed', launched: startInfo !== undefined, changedFiles: reverted };
  }

  const changes = await changesSince(snapshot);
  let status: 'completed' | 'timeout' | 'failed' = result.status === 'completed' && startInfo ? 'completed' : timedOut ? 'timeout' : 'failed';
  const exitText = result.exitCode !== undefined && result.exitCode !== null ? `exited ${result.exitCode}` : result.status === 'completed' ? 'finished' : result.status;
  let detail = !startInfo
    ? `${adapterName} never started: ${firstLine(summary)}`
    : timedOut
      ? `${adapterName} reached its time-box of ${formatDuration(config.timeBox)}: ${firstLine(summary)}`
      : outOfTurns !== undefined
        ? `${adapterName} ran out of turns after ${formatDuration(agentMs)}: all ${outOfTurns} used without calling finish (an unfinished run: verified anyway, reverted unless healthy)`
        : `${adapterName} ${exitText} after ${formatDuration(agentMs)}: ${firstLine(summary)}`;
  // Protected settings (configFile.protect: auth, bind, ports, credentials) are a person's to change, as for the
  // doctor: a run that removed or altered one is not kept, however healthy the service looks with it.
  const lost = guard && configText !== undefined ? lostBetweenTexts(configText, await host.readConfig().catch(() => undefined), guard.patterns, guard.format) : [];
  if (lost.length > 0 && status === 'completed') {
    status = 'failed';
    detail = `${adapterName} changed protected settings (${lost.map((c) => `${c.path} ${c.change}`).join(', ')}): a person's to change, so its changes are not kept`;
    opts.emit(event(opts, 'incident.action', 'warning', `Level 3: ${detail}`, { action: 'agent-touched-protected', protectedLost: lost }));
  }
  const keepProtected: KeepProtected | undefined = guard && configPath ? { path: path.resolve(configPath), patterns: [...guard.patterns], format: guard.format } : undefined;
  const runFacts: AgentRunRecord = { adapter: adapterName, mode: config.mode, status, ...(outOfTurns !== undefined && status === 'completed' ? { outOfTurns } : {}), summary, agentMs, endHashes, endModes, endOwners, manifestSha256, ...(keepProtected ? { keepProtected } : {}) };
  await record(
    path.join(incidentDir, RUN_FILE),
    `${JSON.stringify({ adapter: adapterName, mode: config.mode, status, ...(runFacts.outOfTurns !== undefined ? { outOfTurns: runFacts.outOfTurns } : {}), summary, agentMs, transcript: transcriptPath, changedFiles: changes.map((c) => c.path), ...(outsideFiles.length > 0 ? { changedOutside: outside } : {}), endHashes, endModes, endOwners, manifestSha256, ...(keepProtected ? { keepProtected } : {}) }, null, 2)}\n`,
  );
  if (unwritten.length > 0) {
    opts.emit(
      event(opts, 'incident.action', 'critical', `Level 3: the record of ${service.name}'s agent run could not be written (${unwritten.join('; ')}); its verdict and revert go on from memory`, {
        action: 'agent-record-unwritten',
        unwritten,
      }),
    );
  }
  opts.emit(
    event(opts, 'incident.action', status === 'completed' && runFacts.outOfTurns === undefined ? 'info' : 'warning', `Level 3: the agent's run ended: ${detail}`, {
      action: 'agent-ended',
      ...common,
      outcome: status,
      changedFiles: changes.map((c) => c.path),
    }),
  );
  return { ...base, summary, detail: redactor.redact(detail), outcome: status, launched: startInfo !== undefined, changedFiles: changes.map((c) => c.path), snapshot, runFacts };
}

/** Puts the agent's edit of the config's copy into the real file (see config-stage.ts); says so when it does not. */
async function applyStagedEdit(opts: RunEmergencyOptions, stage: ConfigStage, completed: boolean): Promise<void> {
  const name = opts.service.name;
  const details = { config: stage.configPath, copy: stage.copyPath };
  if (!completed) {
    if (await stageEdited(stage)) {
      opts.emit(event(opts, 'incident.action', 'info', `Level 3: the agent did not finish; its edit of ${name}'s config copy is not applied and is kept at ${stage.copyPath}`, { action: 'agent-config-not-applied', ...details }));
    }
    return;
  }
  const outcome = await applyStage(stage).catch((e: Error) => ({ kind: 'error' as const, message: e.message }));
  if (outcome.kind === 'applied') {
    opts.emit(event(opts, 'incident.action', 'info', `Level 3: the agent's edit of ${name}'s config copy was applied to ${stage.configPath}`, { action: 'agent-config-applied', ...details }));
  } else if (outcome.kind === 'conflict') {
    opts.emit(
      event(opts, 'incident.action', 'warning', `Level 3: ${name}'s config ${stage.configPath} changed during the agent's run, and the agent edited its copy too: neither is overwritten; the agent's version is kept at ${stage.copyPath}`, {
        action: 'agent-config-conflict',
        ...details,
      }),
    );
  } else if (outcome.kind === 'removed') {
    opts.emit(event(opts, 'incident.action', 'warning', `Level 3: the agent deleted its copy of ${name}'s config: the config is left as it was`, { action: 'agent-config-removed', ...details }));
  } else if (outcome.kind === 'error') {
    opts.emit(event(opts, 'incident.action', 'warning', `Level 3: the agent's edit of ${name}'s config could not be applied: ${outcome.message}`, { action: 'agent-config-apply-failed', ...details }));
  }
}

/** The first line that says something (agents often print a blank line or a banner first). */
function firstLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const pick = lines.find((l) => /error|not |fail|denied|unauthori|invalid|missing/i.test(l)) ?? lines[lines.length - 1] ?? '(no output)';
  return pick.slice(0, 300);
}

/** Runs the adapter; once the signal fires, waits at most graceMs more for it to wind down. */
async function runWithGrace(adapter: AgentAdapter, session: AgentSession, signal: AbortSignal, clock: Clock, graceMs: number): Promise<AgentRunResult> {
  const run = adapter.run(session).catch(
    (e: unknown): AgentRunResult => ({ status: signal.aborted ? 'aborted' : 'failed', summary: `agent error: ${(e as Error)?.message ?? String(e)}`, transcript: '', refused: [] }),
  );
  const stopWaiting = new AbortController();
  const gaveUp = new Promise<AgentRunResult>((resolve) => {
    const onAbort = (): void => {
      const t = clock.setTimeout(
        () => resolve({ status: 'aborted', summary: `the agent did not stop within ${formatDuration(graceMs)} of the deadline`, transcript: '', refused: [] }),
        graceMs,
      );
      stopWaiting.signal.addEventListener('abort', () => t.cancel(), { once: true });
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    stopWaiting.signal.addEventListener('abort', () => signal.removeEventListener('abort', onAbort), { once: true });
  });
  try {
    return await Promise.race([run, gaveUp]);
  } finally {
    stopWaiting.abort();
  }
}

/** A verdict's record (result file, learning): one that a full disk refuses is said, never the verdict's end. */
async function optionalWrite(at: { stateDir: string; serviceName: string; incidentId: string; redactor: Redactor; clock: Clock; emit(event: ClawbackEvent): void }, what: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (e) {
    at.emit(level3Event(at, 'incident.action', 'critical', `Level 3: ${what} of ${at.serviceName}'s agent run could not be written: ${(e as Error).message}`, { action: 'agent-record-unwritten', unwritten: [`${what}: ${(e as Error).message}`] }));
  }
}

async function writeResult(file: string, data: Record<string, unknown>): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
}
