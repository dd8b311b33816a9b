// The guardian's one pass (run by a timer/cron): if the daemon's heartbeat stopped, revive it, so the daemon is no single point of failure.
import { access, stat } from 'node:fs/promises';
import { readRegularFile } from '../platform/read-regular.js';
import path from 'node:path';
import type { Clock } from '../platform/clock.js';
import type { CommandRunner, RunResult } from '../platform/command-runner.js';
import { FileLock } from '../platform/file-lock.js';
import { cliHint } from '../cli/cli-command.js';
import { isAlive as procIsAlive, processStartTime } from '../platform/proc.js';
import { liveProcess } from '../doctor/lock-owner.js';
import { serviceNames } from '../platform/service-files.js';
import type { ClawbackEvent } from '../observe/events.js';
import { assessDaemon, heartbeatAge, readDaemonPresence, type DaemonInfo, type DaemonState } from './daemon-info.js';
import { DAEMON_LOCK_FILE } from './daemon-lock.js';
import { daemonApiHealth, type ApiHealth } from './api-answers.js';
import { GUARDIAN_REVIVE_NOTE, noteGuardianRevive } from './previous-end.js';
import { daemonStateDirOf, pidMayBeRecordedDaemon, realStateDir } from './daemon-identity.js';
import { STOPPED_MARKER } from './daemon.js';
import { currentBootId, startedSinceStop, stoppedMarkerText, stoppedThisBoot } from './stopped-marker.js';
import { cutSnippet } from '../platform/cut-text.js';
import { diskRefusalText, namedDiskRefusal } from './disk-refusal-text.js';
import { revivedWhat } from './guardian-revived-text.js';
import { namingFile } from '../platform/atomic-write.js';
import { GUARDIAN_START_LOOP_ATTEMPTS, readStartAttempt, START_ATTEMPTS_FILE, type StartAttempt } from './start-attempts.js';
import { urlHost } from '../platform/url-host.js';
import { readJournal } from '../observe/journal-read.js';
import { pushError, type DiskRefusal } from './disk-refusal-fold.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

export const GUARDIAN_LOCK_FILE = 'guardian.lock';

/** Files a daemon leaves in its state directory; any of them means a daemon ran here before. */
export const RAN_BEFORE_FILES = ['daemon.json', 'state.json', 'journal.jsonl', 'journal.jsonl.1'] as const;

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the guardian may start anything: the daemon is installed as a service, a config file was named explicitly,
 * or a daemon ran with this state directory before. A guardian run by hand on a fresh machine must not start the
 * embedded demo and leave it running.
 */
export async function daemonRanBefore(stateDir: string, serviceManager: GuardianDeps['serviceManager'], explicitConfig = false): Promise<boolean> {
  if (serviceManager !== 'none' || explicitConfig) return true;
  for (const f of RAN_BEFORE_FILES) if (await exists(path.join(stateDir, f))) return true;
  return false;
}

export interface GuardianDeps {
  stateDir: string;
  clock: Clock;
  /** A heartbeat older than this is stale (default 15 000 ms). */
  staleAfterMs?: number;
  /**
   * Before a stale daemon is killed, how long to watch for its next heartbeat (default 5000 ms: two of its 2 s beats).
   * A machine waking from sleep shows every heartbeat stale until the daemon's first beat after the wake.
   */
  staleRecheckMs?: number;
  /**
   * A daemon holding daemon.lock with no heartbeat yet is starting and left alone this long (default 90 000 ms); past
   * it, it is hung at start-up and handled as a hung daemon. Without it a booting daemon (slow on a loaded box) got a
   * `systemctl restart`, or a second daemon and a false "revived" alert.
   */
  startGraceMs?: number;
  runner: CommandRunner;
  serviceManager: 'systemd' | 'launchd' | 'none';
  /**
   * Starts the daemon directly (detached); used without a service manager or when its command fails. What it returns
   * (when it can) tells the pass when that daemon exits, so a daemon that cannot start is not waited for in vain.
   */
  startDaemon: (signal?: AbortSignal) => Promise<void | StartedDaemon>;
  /** Checks (and if needed restarts) the services directly when the daemon cannot be revived. */
  probeServices?: (signal?: AbortSignal) => Promise<void>;
  emit?: (event: ClawbackEvent) => void;
  /** The whole pass finishes within this (default 30 000 ms). */
  timeoutMs?: number;
  /**
   * A config file was named explicitly (--config / $CLAWBACK_CONFIG, as the installed timer and cron line do):
   * reason enough to start a daemon for it even in a state directory no daemon used yet (e.g. after it was wiped).
   */
  explicitConfig?: boolean;
  /**
   * Why the config the daemon would run cannot be loaded (the loader's message, naming the field), undefined when it
   * loads. Asked before a systemd restart: a daemon whose last exit was 78 (EX_CONFIG) on a config still invalid is
   * left down, the person told to fix the file, instead of being restarted (and its start limit reset) every pass.
   * Asked before a direct start too (cron, or a failed service manager): that daemon loads the file as the guardian does.
   */
  configProblem?: () => Promise<string | undefined>;
  /** Instance label (default 'clawback') naming the unit / launchd job. */
  label?: string;
  /** For launchctl gui/<uid> (default process.getuid()). */
  uid?: number;
  /** Heartbeat poll interval while waiting for the revived daemon (default 250 ms). */
  pollMs?: number;
  /** Injected for tests; defaults from ../platform/proc.js and process.kill. */
  isAlive?: (pid: number) => boolean;
  startTimeOf?: (pid: number) => number | null | undefined;
  /**
   * How long the process has run, on the boot clock (ms), undefined when it cannot be told (no /proc). A step of the
   * wall clock does not move it, so a daemon that just started is not taken for one hung at start-up after NTP or
   * `date -s` moved the clock forward. Default: /proc/<pid>/stat's start time against Clock.sinceBoot.
   */
  bootAgeOf?: (pid: number) => number | undefined;
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  /** This boot's id (default currentBootId()): a daemon.stopped from another boot is no stop on purpose. */
  bootId?: string | undefined;
  /** The state directory a live pid serves as a real path, undefined when unknown (default daemonStateDirOf). */
  stateDirOf?: (pid: number) => string | undefined;
  /**
   * With no start time in daemon.json or an alive marker: whether the live pid it names may be that daemon (default
   * pidMayBeRecordedDaemon: its command line runs `run`, and it started no later than the record). A reused pid is not.
   */
  mayBeDaemon?: (pid: number, recordStartedAt: number) => boolean;
  /**
   * A pass holding guardian.lock this long is hung (default 180 000 ms, past systemd's TimeoutStartSec=120 of the
   * guardian unit): stopped (SIGSTOP), or stuck on a filesystem. Under cron or launchd nothing ends it, and every later
   * pass said "locked" for ever: the daemon was never revived again. Such a holder is SIGKILLed and the lock taken.
   */
  hungPassMs?: number;
  /**
   * What the daemon a stale daemon.json names answers on GET /healthz (default: 2 s). `ok` (its supervision loop runs):
   * alive but it cannot write daemon.json (a read-only state dir), and killing it left nothing supervising.
   * `unhealthy` (503: its supervision loop is stuck): it supervises nothing, and is handled as a hung daemon.
   */
  apiAnswers?: (info: DaemonInfo, signal?: AbortSignal) => Promise<ApiHealth>;
}

/**
 * Pure: whether the guardian pass holding the lock is hung. Both ages must say so: the wall clock (when it took the
 * lock) and, where it can be read, its own run time on the boot clock, so a step of the wall clock proves nothing.
 */
export function guardianPassHung(owner: { acquiredAt: number } | null, now: number, ranMs: number | undefined, hungPassMs: number): boolean {
  if (!owner) return false;
  return now - owner.acquiredAt > hungPassMs && (ranMs === undefined || ranMs > hungPassMs);
}

/** How long after a clean exit that left the services running the service manager is left to start the next daemon. */
export const HANDOVER_WINDOW_MS = 15_000;

/**
 * Pure: when the daemon last exited cleanly leaving its services running for the next one (its daemon.stopped with
 * stopServices false), if that is the latest daemon start or stop in `events` and within HANDOVER_WINDOW_MS of now.
 */
export function handedOverAt(events: ReadonlyArray<Pick<ClawbackEvent, 'type' | 'time' | 'details'>>, now: number): number | undefined {
  const last = [...events].reverse().find((e) => e.type === 'daemon.stopped' || e.type === 'daemon.started');
  if (!last || last.type !== 'daemon.stopped' || last.details?.stopServices !== false) return undefined;
  return now - last.time <= HANDOVER_WINDOW_MS && last.time <= now ? last.time : undefined;
}

/** How a daemon the guardian started ended. */
export interface DaemonExit {
  code: number | null;
  signal: string | null;
  /** It could not be spawned at all. */
  error?: string;
}

/** A daemon the guardian started directly: when it exits, and what it wrote meanwhile. */
export interface StartedDaemon {
  exited: Promise<DaemonExit>;
  /** The pid of the daemon this pass spawned (a direct start), to tell it from one another start brought up meanwhile. */
  pid?: number;
  /** Its last lines of output (stdout and stderr), read once it exited; not yet redacted. */
  output?: () => Promise<string>;
}

export type GuardianOutcome =
  /** The daemon was running: nothing done. */
  | 'ok'
  /** A daemon holding daemon.lock is still starting (no heartbeat yet, within the start grace): nothing done. */
  | 'starting'
  /** The daemon is stopping (daemon.json says so, within the bound it names): nothing done, no alert. */
  | 'stopping'
  /** Another guardian pass holds the lock: nothing done. */
  | 'locked'
  /** No daemon was installed or ever ran with this state directory: nothing to revive, nothing started. */
  | 'never-ran'
  /** The daemon was down/stale and is back with a fresh heartbeat. */
  | 'revived'
  /** The daemon was stopped on purpose (daemon.stopped), maybe while this pass looked at it: nothing started. */
  | 'stopped'
  /** The daemon could not be revived in time (probeServices was called if given). */
  | 'daemon-down'
  /** A step of the pass never returned: ended by its watchdog (src/daemon/pass-watchdog.ts); the next pass looks again. */
  | 'timed-out';

export interface GuardianReport {
  outcome: GuardianOutcome;
  /** The verdict on daemon.json at the start ('unknown' when locked). */
  seen: DaemonState | 'unknown';
  /** Why daemon.json could not be read ('missing' | 'corrupt: ...'). */
  readProblem?: string;
  /** The daemon info found at the start. */
  before: DaemonInfo | null;
  /** The daemon info after a revival. */
  after?: DaemonInfo;
  /** The stale daemon's /healthz answered but not 200 (its supervision loop stuck): its reason. Handled as hung. */
  supervisionStuck?: string;
  /** Pid of a hung daemon that was SIGKILLed. */
  killedPid?: number;
  /**
   * A stop a person asked for (daemon.json's `stopping` record, on purpose, this boot) ran past its bound: the daemon
   * is left as it is (pid and when its stop began), and a human is told once for that stop (guardian-alert.ts).
   */
  stopHung?: { pid: number; since: number };
  /** The daemon's systemd unit had hit its start limit and was reset (`systemctl --user reset-failed`) before the start. */
  startLimitReset?: boolean;
  /**
   * The daemon's unit last exited 78 (EX_CONFIG) and its config is still invalid, or the daemon would be started
   * directly on a config that does not load (this says why): not restarted, the file must be fixed first.
   */
  configInvalid?: string;
  /**
   * The daemon's last starts all died before `daemon.started` (start-attempts.json counted GUARDIAN_START_LOOP_ATTEMPTS
   * or more): not started again, each start would die as well; a person must look first.
   */
  startLoop?: StartAttempt;
  /** How the restart was asked for. */
  restartedVia?: 'systemd' | 'launchd' | 'direct';
  /** The daemon started directly exited before it wrote a heartbeat: how, and its last lines of output. */
  daemonExit?: DaemonExit & { output?: string };
  probedServices: boolean;
  /** Human-readable steps, in order. */
  actions: string[];
  errors: string[];
  /** Each write a fault of the state directory's filesystem refused, word for word, where errors says that fault once (disk-refusal-fold.ts). */
  refusedWrites?: string[];
  /** The same refusals as data, recorded where each was produced (code, file, what it costs): what the fold reads. */
  diskRefusals?: DiskRefusal[];
  durationMs: number;
}

class Deadline {
  constructor(
    private readonly clock: Clock,
    private readonly end: number,
  ) {}
  left(): number {
    return Math.max(0, this.end - this.clock.monotonic());
  }
}

/** Races a promise against the time left; a timeout is an error (the work itself cannot be cancelled beyond its signal). */
async function within<T>(clock: Clock, ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: { cancel(): void } | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => {
      const err = new Error(`${what} did not finish within ${ms} ms`);
      ac.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work(ac.signal), timeout]);
  } finally {
    timer?.cancel();
  }
}

/** An error's text; a refusal of the disk names its file (or `where`, the directory written in) and the room left. */
function message(err: unknown, where?: string): string {
  return diskRefusalText(err, where);
}

function commandFailure(r: RunResult): string | undefined {
  if (r.code === 0 && r.error === undefined) return undefined;
  return r.error ?? (r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}: ${cutSnippet(r.stderr.trim(), 300)}`);
}

/** One guardian pass: lock, read daemon.json, assess, and if needed kill a hung daemon, restart it and wait for a heartbeat. */
export async function guardianOnce(deps: GuardianDeps): Promise<GuardianReport> {
  const clock = deps.clock;
  const started = clock.monotonic();
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const deadline = new Deadline(clock, started + timeoutMs);
  const staleAfterMs = deps.staleAfterMs ?? 15_000;
  const pollMs = deps.pollMs ?? 250;
  const alive = deps.isAlive ?? procIsAlive;
  const startTimeOf = deps.startTimeOf ?? processStartTime;
  const bootAgeOf =
    deps.bootAgeOf ??
    ((pid: number): number | undefined => {
      const startedAt = liveProcess(pid).startedAtBootMs;
      const boot = clock.sinceBoot?.();
      return startedAt === undefined || boot === undefined ? undefined : boot - startedAt;
    });
  const kill = deps.kill ?? ((pid: number, signal: NodeJS.Signals) => process.kill(pid, signal));
  const names = serviceNames(deps.label);
  const stateDirOf = deps.stateDirOf ?? daemonStateDirOf;
  const ourDir = realStateDir(deps.stateDir);
  // A pid named in a copied (or restored) state directory may be the live daemon of the original: never ours to judge.
  const serves = (pid: number): string | undefined => {
    const dir = stateDirOf(pid);
    return dir !== undefined && dir !== ourDir ? dir : undefined;
  };
  const ours = (pid: number): boolean => alive(pid) && serves(pid) === undefined;
  const mayBeDaemon = deps.mayBeDaemon ?? pidMayBeRecordedDaemon;
  // recordStartedAt: a record's own start (daemon.json, an alive marker), by which a pid reused since is told apart
  // where it names no start time.
  const isSame = (pid: number, start: number | null, recordStartedAt?: number): boolean => {
    if (!ours(pid)) return false;
    if (start === null) return recordStartedAt === undefined || mayBeDaemon(pid, recordStartedAt);
    const actual = startTimeOf(pid);
    return actual === null || actual === undefined || actual === start;
  };
  // daemon.json, or a live daemon's alive marker where a full disk kept it from writing daemon.json.
  const readDaemon = () => readDaemonPresence(deps.stateDir, isSame);

  const report: GuardianReport = { outcome: 'ok', seen: 'unknown', before: null, probedServices: false, actions: [], errors: [], durationMs: 0 };
  const done = (): GuardianReport => {
    report.durationMs = Math.round(clock.monotonic() - started);
    return report;
  };
  // A person may stop the daemon while this pass looks at it (its last beats, the second look): asked again right
  // before anything is killed, started or probed, never only once at the start.
  const bootId = 'bootId' in deps ? deps.bootId : currentBootId();
  let staleMarkerSaid = false;
  let startingSaid = false;
  // daemon.json's record of a stop on purpose (its daemon hung in that stop, or killed mid-way): the marker comes only
  // at the stop's end, and without the record the guardian undid the person's stop. Read as a marker of its start.
  let recordedStop: DaemonInfo['stopping'];
  const stoppedOnPurpose = async (what: string): Promise<boolean> => {
    const marker = await readRegularFile(path.join(deps.stateDir, STOPPED_MARKER)).then((b) => b.toString('utf8')).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : ''));
    const record = recordedStop?.onPurpose ? stoppedMarkerText(recordedStop.since, recordedStop.bootId) : null;
    // The marker, unless one of an earlier boot stands beside a record of this boot's stop.
    const recorded = record !== null && (marker === null || (!stoppedThisBoot(marker, bootId) && stoppedThisBoot(record, bootId))) ? record : null;
    const text = recorded ?? marker;
    if (text === null) return false;
    if (!stoppedThisBoot(text, bootId)) {
      if (!staleMarkerSaid) report.actions.push(`${STOPPED_MARKER} was written in an earlier boot (the shutdown stopped the daemon): not a stop on purpose now`);
      staleMarkerSaid = true;
      return false;
    }
    const starting = startedSinceStop(path.join(deps.stateDir, DAEMON_LOCK_FILE), text, (pid, start) => isSame(pid, start));
    if (starting) {
      if (!startingSaid) report.actions.push(`${STOPPED_MARKER} is older than the ${DAEMON_LOCK_FILE} of daemon pid ${starting.pid}: a start ended that stop (the marker goes once it has started)`);
      startingSaid = true;
      return false;
    }
    report.outcome = 'stopped';
    if (recorded === null) report.actions.push(`${STOPPED_MARKER} found: the daemon was stopped on purpose; ${what}`);
    else report.actions.push(`daemon.json says the daemon was stopped on purpose ${heartbeatAge(recordedStop!.since, clock.now())} and that stop did not finish (no ${STOPPED_MARKER} yet): not undone; ${what}`);
    return true;
  };

  if (!(await daemonRanBefore(deps.stateDir, deps.serviceManager, deps.explicitConfig))) {
    report.outcome = 'never-ran';
    report.seen = 'missing';
    report.actions.push(`no daemon is installed, no config was named and none ever ran with ${deps.stateDir}: nothing to revive (start one with \`${cliHint(['run'])}\` or \`${cliHint(['install'])}\`)`);
    return done();
  }

  await mkdirRecursive(deps.stateDir, 0o700);
  const lock = new FileLock(path.join(deps.stateDir, GUARDIAN_LOCK_FILE), { clock });
  let acquired: boolean;
  try {
    acquired = await lock.acquire({ timeoutMs: 0 });
  } catch (err) {
    // A full (or quota-bound) disk refuses even the lock file. A daemon that died there is exactly what this pass is
    // for, and the daemon itself runs on such a disk: go on without the lock, as the daemon does without its own.
    pushError(report, deps.stateDir, err, `${GUARDIAN_LOCK_FILE} could not be written (${message(namingFile(err, lock.path))}): this pass runs without it`, { so: 'this pass runs without it', file: GUARDIAN_LOCK_FILE });
    acquired = true;
  }
  if (!acquired) {
    const owner = await lock.owner();
    const hungPassMs = deps.hungPassMs ?? 180_000;
    // Only the very process that took the lock (same pid and start time), and only another guardian's, is killed.
    const verified = owner !== null && owner.pid !== process.pid && owner.startTime !== null && startTimeOf(owner.pid) === owner.startTime && serves(owner.pid) === undefined;
    if (verified && guardianPassHung(owner, clock.now(), bootAgeOf(owner.pid), hungPassMs)) {
      try {
        kill(owner.pid, 'SIGKILL');
        report.actions.push(`the guardian pass pid ${owner.pid} has held ${GUARDIAN_LOCK_FILE} since ${heartbeatAge(owner.acquiredAt, clock.now())} (a pass is hung past ${hungPassMs} ms): SIGKILL, lock taken over`);
        await waitUntil(clock, Math.min(5000, deadline.left()), pollMs, () => !alive(owner.pid));
        acquired = await lock.acquire({ timeoutMs: 0 });
      } catch (err) {
        report.errors.push(`kill hung guardian pass ${owner.pid}: ${message(err)}`);
      }
    }
  }
  if (!acquired) {
    const owner = await lock.owner();
    report.outcome = 'locked';
    report.actions.push(`another guardian pass holds the lock${owner ? ` (pid ${owner.pid})` : ''}: nothing done`);
    return done();
  }

  try {
    const read = await readDaemon();
    const before = read.info;
    report.before = before;
    recordedStop = before?.stopping;
    if (!read.info) report.readProblem = read.detail ? `${read.reason}: ${read.detail}` : read.reason;
    if (read.marker) report.actions.push(`daemon.json could not be written (full disk?): ${read.marker} names a live daemon`);
    const assess = (info: DaemonInfo | null): DaemonState =>
      assessDaemon(info, { now: clock.now(), staleAfterMs, isAlive: ours, startTimeOf, mayBeDaemon });
    const foreign = before && alive(before.pid) ? serves(before.pid) : undefined;
    if (before && foreign) report.actions.push(`pid ${before.pid} in daemon.json is the daemon of ${foreign}, not of ${ourDir} (a copied or restored state directory): left alone`);
    const seen = assess(before);
    report.seen = seen;
    // A file that is there but cannot be read is said as such: "missing" sent the person looking for a file they could see.
    const unreadable = !before && report.readProblem !== undefined && report.readProblem !== 'missing' ? ` (the file is there but unreadable: ${report.readProblem})` : '';
    report.actions.push(`daemon.json: ${seen}${before ? ` (pid ${before.pid}, heartbeat ${heartbeatAge(before.heartbeatAt, clock.now())})` : unreadable}`);
    if (seen === 'running') return done();
    // A stop under way (daemon.json says since when and its bound): not revived, not alerted on; past the bound it is hung.
    if (before?.stopping && (seen === 'stopping' || seen === 'stop-hung')) {
      const ran = `stopping since ${heartbeatAge(before.stopping.since, clock.now())}, bound ${Math.round(before.stopping.boundMs / 1000)} s`;
      if (seen === 'stopping') {
        report.outcome = 'stopping';
        report.actions.push(`daemon pid ${before.pid} is stopping as asked (${ran}): left alone, nothing started`);
        return done();
      }
      // A person's stop that hangs is theirs to end: killing the daemon would leave its services unsupervised, and
      // starting another undid the stop (stoppedOnPurpose below, from the record). Any other stop is a hung daemon.
      const asked = before.stopping.onPurpose === true && stoppedThisBoot(stoppedMarkerText(before.stopping.since, before.stopping.bootId), bootId);
      if (asked) report.stopHung = { pid: before.pid, since: before.stopping.since };
      report.errors.push(
        asked
          ? `daemon pid ${before.pid} did not finish the stop asked for (${ran}: its services' stop graces and margins are long past): left as it is, not killed nor started again; see its log, then end it yourself (\`kill -KILL ${before.pid}\`)`
          : `daemon pid ${before.pid} did not finish its stop (${ran}: its services' stop graces and margins are long past): handled as a hung daemon`,
      );
    }

    // No live daemon in daemon.json, but a live process holds daemon.lock: a daemon starting (its first heartbeat comes
    // once its services are booted). Left alone within the grace; past it, hung at start-up like a stale daemon.
    let hungAtStart: { pid: number; pidStartTime: number | null } | undefined;
    if (seen !== 'stale' && seen !== 'stop-hung') {
      const holder = await new FileLock(path.join(deps.stateDir, DAEMON_LOCK_FILE), { clock }).owner().catch(() => null);
      const holderElsewhere = holder && holder.pid !== process.pid && alive(holder.pid) ? serves(holder.pid) : undefined;
      if (holder && holderElsewhere) report.actions.push(`${DAEMON_LOCK_FILE} names pid ${holder.pid}, the daemon of ${holderElsewhere}, not of ${ourDir}: left alone`);
      if (holder && holder.pid !== process.pid && isSame(holder.pid, holder.startTime)) {
        // Progress counts, not only the lock's age: a daemon booting a thousand services writes state.json as each
        // starts, for minutes before its first heartbeat; killing it at a fixed age would restart that boot for ever.
        const stateWrittenAt = (): Promise<number> => stat(path.join(deps.stateDir, 'state.json')).then((st) => st.mtimeMs, () => 0);
        const stateWritten = await stateWrittenAt();
        const lastSign = stateWritten > holder.acquiredAt ? stateWritten : holder.acquiredAt;
        const ageMs = clock.now() - lastSign;
        const graceMs = deps.startGraceMs ?? 90_000;
        // Both ages are wall-clock readings: a step forward (NTP after a sleep, a resumed VM, `date -s`) makes a daemon
        // that started a moment ago look hours old. Its own age on the boot clock, which no step moves, must agree.
        const ranMs = bootAgeOf(holder.pid);
        // Either way past the grace counts: a lock dated in the future (the clock was set back) proves nothing.
        if (Math.abs(ageMs) <= graceMs || (ranMs !== undefined && ranMs <= graceMs)) {
          report.outcome = 'starting';
          const ran = ranMs !== undefined && Math.abs(ageMs) > graceMs ? `, running for ${Math.round(ranMs / 1000)} s on the boot clock: the wall clock was stepped` : '';
          report.actions.push(`daemon pid ${holder.pid} is starting (it holds ${DAEMON_LOCK_FILE} since ${heartbeatAge(holder.acquiredAt, clock.now())}, last state write ${heartbeatAge(lastSign, clock.now())}${ran}, no heartbeat yet): left alone`);
          return done();
        }
        // A second look, as for a stale heartbeat: after a sleep (the boot clock counts it) or where the boot clock
        // cannot be read (macOS), a daemon that beats, writes state.json or hands the lock on is still starting.
        const recheckMs = Math.min(deps.staleRecheckMs ?? 5000, Math.max(0, deadline.left() - 10_000));
        const t0 = clock.monotonic();
        const progressed = await waitUntil(clock, recheckMs, pollMs, async () => {
          const again = (await readDaemon()).info;
          if (again && again.pid === holder.pid) return true;
          if ((await stateWrittenAt()) !== stateWritten) return true;
          const now = await new FileLock(path.join(deps.stateDir, DAEMON_LOCK_FILE), { clock }).owner().catch(() => null);
          return now?.pid !== holder.pid || now.acquiredAt !== holder.acquiredAt;
        });
        if (progressed) {
          report.outcome = 'starting';
          report.actions.push(`daemon pid ${holder.pid} showed progress ${Math.round(clock.monotonic() - t0)} ms later (a heartbeat, a state write or the lock handed on): still starting, left alone`);
          return done();
        }
        hungAtStart = { pid: holder.pid, pidStartTime: holder.startTime };
        report.actions.push(`daemon pid ${holder.pid} holds ${DAEMON_LOCK_FILE} since ${heartbeatAge(holder.acquiredAt, clock.now())}, nothing written for ${heartbeatAge(lastSign, clock.now())}${ranMs !== undefined ? `, running for ${Math.round(ranMs / 1000)} s on the boot clock` : ''}, without a heartbeat: hung while starting`);
      }
    }

    // A second look first: a daemon that beats again was only late (the machine slept, or it was busy for a moment).
    if (seen === 'stale' && before) {
      const recheckMs = Math.min(deps.staleRecheckMs ?? 5000, Math.max(0, deadline.left() - 10_000));
      const t0 = clock.monotonic();
      let resumed: DaemonInfo | null = null;
      await waitUntil(clock, recheckMs, pollMs, async () => {
        const again = (await readDaemon()).info;
        // Any new beat, not only a later one: after the clock was set back, the next beat is dated earlier.
        if (again && again.pid === before.pid && again.heartbeatAt !== before.heartbeatAt) resumed = again;
        return resumed !== null;
      });
      if (resumed) {
        report.seen = 'running';
        report.actions.push(`heartbeat resumed ${Math.round(clock.monotonic() - t0)} ms later (the machine woke from sleep, or the daemon was busy): left running`);
        return done();
      }
      const api: ApiHealth = alive(before.pid) && !foreign ? await (deps.apiAnswers ?? daemonApiHealth)(before).catch((): ApiHealth => ({ state: 'silent' })) : { state: 'silent' };
      const healthz = `http://${urlHost(before.api.host)}:${before.api.port}/healthz`;
      if (api.state === 'ok') {
        report.actions.push(
          `daemon pid ${before.pid} answers its API (${healthz}) though daemon.json is not refreshed: it cannot write ${deps.stateDir} (read-only? see \`clawback status\`): left running`,
        );
        return done();
      }
      // Its HTTP server answers but its supervision loop is stuck: nothing supervises the services, so it is hung.
      if (api.state === 'unhealthy') {
        report.supervisionStuck = api.reason;
        report.actions.push(`daemon pid ${before.pid} answers its API (${healthz}) but is not supervising (${api.reason}): handled as a hung daemon`);
      }
    }

    if (await stoppedOnPurpose('nothing killed or started')) return done();

    // A daemon that exited cleanly leaving its services (SIGUSR2, a handover) a moment ago: systemd's Restart=always
    // starts the next one after RestartSec=2. A pass in that gap restarted the unit and alerted "revived" for no failure.
    if (seen === 'missing' && !hungAtStart && deps.serviceManager === 'systemd') {
      const since = clock.now() - HANDOVER_WINDOW_MS;
      const recent = await readJournal(path.join(deps.stateDir, 'journal.jsonl'), { since, maxBytesPerFile: 256 * 1024 }).catch(() => []);
      const handover = handedOverAt(recent, clock.now());
      if (handover !== undefined) {
        report.outcome = 'starting';
        report.actions.push(
          `the daemon exited cleanly ${heartbeatAge(handover, clock.now())}, leaving its services running for the next one (SIGUSR2 or a handover): ${names.systemdService} starts it again (Restart=always); left to it, nothing started`,
        );
        return done();
      }
    }

    // A hung daemon: kill it, but only the very process that wrote daemon.json or daemon.lock (same pid and start time).
    const hung = (seen === 'stale' || seen === 'stop-hung') && before ? before : hungAtStart;
    if (hung) {
      const actual = startTimeOf(hung.pid);
      const verified = hung.pidStartTime !== null && actual !== null && actual !== undefined && actual === hung.pidStartTime && serves(hung.pid) === undefined;
      if (verified) {
        try {
          kill(hung.pid, 'SIGKILL');
          report.killedPid = hung.pid;
          report.actions.push(`SIGKILL to hung daemon pid ${hung.pid}`);
          await waitUntil(clock, Math.min(5000, deadline.left()), pollMs, () => !alive(hung.pid));
        } catch (err) {
          report.errors.push(`kill ${hung.pid}: ${message(err)}`);
        }
      } else {
        report.actions.push(`not killing pid ${hung.pid}: its start time cannot be verified`);
      }
    }
    if (seen === 'recycled-pid' && before) {
      report.actions.push(`pid ${before.pid} now belongs to another process: left alone`);
    }

    // The next daemon would say daemon.died of this one too: this pass says it (guardian.revived), once.
    // A direct start's note serves only the daemon this pass starts (restart() writes it again before a fallback one).
    // Its refusal is one fault however often the note is written (a direct start, then "could not revive"): said once.
    let notedDirect = false;
    let noteRefused = false;
    const note = (direct: boolean): void => {
      if (!before) return;
      notedDirect = direct;
      try {
        noteGuardianRevive(deps.stateDir, before, clock.now(), direct);
      } catch (err) {
        if (!noteRefused) {
          pushError(
            report,
            deps.stateDir,
            err,
            `${namedDiskRefusal(GUARDIAN_REVIVE_NOTE, err, deps.stateDir)}: the next daemon cannot tell that this pass reports the end of daemon pid ${before.pid}, and may report that end once more (daemon.died)`,
            { so: 'daemon.died may repeat', file: GUARDIAN_REVIVE_NOTE },
          );
        }
        noteRefused = true;
      }
    };
    note(deps.serviceManager === 'none');
    // A daemon that dies at every start (killed, out of memory) was started again by each pass for ever: past the bound
    // it is left down, said loudly, and its services are kept up directly. A start that reaches daemon.started clears it.
    const loop = readStartAttempt(deps.stateDir);
    if (loop && loop.count >= GUARDIAN_START_LOOP_ATTEMPTS) {
      report.startLoop = loop;
      report.actions.push(
        `the last ${loop.count} starts of the daemon all died before it started (the latest, pid ${loop.pid} at ${new Date(loop.at).toISOString()}, while ${loop.phase}; ${START_ATTEMPTS_FILE}): ` +
          `not started again, each start would die as well. Look at its output (logs/daemon.out.log, journalctl) and what it reads at start, then start it yourself ` +
          `(\`${cliHint(['run'])}\` or its service manager) or remove ${path.join(deps.stateDir, START_ATTEMPTS_FILE)} to let the guardian start it`,
      );
    }
    const restartAt = clock.now();
    const launched = report.startLoop ? undefined : await restart(deps, names, deadline, report, () => note(true));
    let exit: DaemonExit | undefined;
    void launched?.exited.then((e) => (exit = e), () => undefined);

    // Keep a share of the time for probeServices should the daemon not come back.
    const reserve = deps.probeServices ? Math.min(10_000, Math.floor(timeoutMs / 3)) : 0;
    // Left down for its invalid config (restart() says why): nothing was started, nothing to wait for.
    const waitMs = report.configInvalid !== undefined || report.startLoop ? 0 : Math.max(0, deadline.left() - reserve);
    let after: DaemonInfo | null = null;
    await waitUntil(clock, waitMs, pollMs, async () => {
      const r = await readDaemon();
      if (!r.info || assess(r.info) !== 'running') {
        if (!exit) return false;
        // The daemon it started is gone: nothing more to wait for, unless another one (the service manager's) holds
        // daemon.lock and is starting.
        const holder = await new FileLock(path.join(deps.stateDir, DAEMON_LOCK_FILE), { clock }).owner().catch(() => null);
        return !(holder && holder.pid !== process.pid && isSame(holder.pid, holder.startTime));
      }
      const fresh = !before || r.info.pid !== before.pid || r.info.startedAt !== before.startedAt || r.info.heartbeatAt >= restartAt;
      if (fresh) after = r.info;
      return fresh;
    });

    // Back, but not by this pass: its own daemon exited (refused: another held daemon.lock) and the one running is a
    // person's start or its service manager's, which a "revived" alert would have claimed as the guardian's.
    const other = after as DaemonInfo | null;
    if (other && launched?.pid !== undefined && other.pid !== launched.pid) {
      report.after = other;
      report.outcome = 'ok';
      report.actions.push(`daemon back: pid ${other.pid}, started by someone else meanwhile (a person's \`run\` or its service manager); the daemon this pass started (pid ${launched.pid}) is not it (refused: the lock is taken)`);
      return done();
    }
    if (after) {
      const revived: DaemonInfo = after;
      report.after = revived;
      report.outcome = 'revived';
      report.actions.push(`daemon back: pid ${revived.pid}, fresh heartbeat`);
      deps.emit?.({
        type: 'guardian.revived',
        time: clock.now(),
        severity: 'warning',
        message: `Guardian revived the clawback daemon (${revivedWhat({ seen, hungAtStart: hungAtStart !== undefined, supervisionStuck: report.supervisionStuck, before, killedPid: report.killedPid, via: report.restartedVia, now: clock.now() })}${report.startLimitReset ? `; its unit had hit systemd's start limit and was reset with \`systemctl --user reset-failed ${names.systemdService}\`` : ''}); new pid ${revived.pid}.`,
        details: {
          was: seen,
          oldPid: before?.pid ?? null,
          newPid: revived.pid,
          killedPid: report.killedPid ?? null,
          via: report.restartedVia ?? null,
          startLimitReset: report.startLimitReset ?? false,
          supervisionStuck: report.supervisionStuck ?? null,
        },
      });
      return done();
    }

    if (await stoppedOnPurpose('the services are not probed')) return done();
    report.outcome = 'daemon-down';
    // This pass alerts the outage ("could not revive"): whichever daemon starts next takes that end as told.
    if (notedDirect) note(false);
    const exited = exit as DaemonExit | undefined;
    if (exited && launched) {
      const output = await (launched.output?.() ?? Promise.resolve('')).catch((err: unknown) => `(its output could not be read: ${message(err)})`);
      report.daemonExit = { ...exited, ...(output ? { output } : {}) };
      const how = exited.error ? `could not be spawned (${exited.error})` : exited.signal ? `was killed by ${exited.signal}` : `exited with code ${exited.code}`;
      report.actions.push(`the daemon it started ${how} before its first heartbeat`);
    } else if (report.configInvalid === undefined && !report.startLoop) {
      report.actions.push('daemon did not come back with a fresh heartbeat in time');
    }
    if (deps.probeServices && report.configInvalid !== undefined) {
      // The services are read from that same config: probing them would only fail with the same message again.
      report.actions.push('the services are not probed directly: they are read from the same config');
    } else if (deps.probeServices) {
      const left = deadline.left();
      if (left > 0) {
        report.probedServices = true;
        try {
          await within(clock, left, 'probeServices', (signal) => deps.probeServices!(signal));
          report.actions.push('probed the services directly');
        } catch (err) {
          pushError(report, deps.stateDir, err, `probeServices: ${message(err, deps.stateDir)}`, { so: 'direct revive cut short' });
        }
      } else {
        report.errors.push('no time left to probe the services');
      }
    }
    return done();
  } catch (err) {
    pushError(report, deps.stateDir, err, message(err, deps.stateDir));
    if (report.outcome === 'ok' && report.seen !== 'running') report.outcome = 'daemon-down';
    return done();
  } finally {
    await lock.release();
  }
}

async function restart(deps: GuardianDeps, names: ReturnType<typeof serviceNames>, deadline: Deadline, report: GuardianReport, noteDirect: () => void): Promise<StartedDaemon | undefined> {
  const managerArgv = ((): string[] | undefined => {
    if (deps.serviceManager === 'systemd') return [...SYSTEMCTL_USER, 'restart', names.systemdService];
    if (deps.serviceManager === 'launchd') {
      const uid = deps.uid ?? process.getuid?.() ?? 0;
      return ['launchctl', 'kickstart', '-k', `gui/${uid}/${names.launchdDaemonLabel}`];
    }
    return undefined;
  })();
  if (managerArgv) {
    const timeoutMs = (): number => Math.max(1000, Math.min(15_000, deadline.left() / 2));
    if (deps.serviceManager === 'systemd' && (await configStillInvalid(deps, names, timeoutMs(), report))) return undefined;
    let problem = commandFailure(await deps.runner.run(managerArgv, { timeoutMs: timeoutMs() }));
    // A daemon that crashed StartLimitBurst times in StartLimitIntervalSec leaves its unit failed (start-limit-hit), and
    // systemd refuses every start of it, `restart` included, until `reset-failed`: without it the guardian started a
    // daemon outside systemd (no Restart=, not stopped by `systemctl stop`). Reset and asked again once per pass.
    if (problem && deps.serviceManager === 'systemd' && (await startLimitHit(deps, names, timeoutMs()))) {
      const reset = [...SYSTEMCTL_USER, 'reset-failed', names.systemdService];
      const resetProblem = commandFailure(await deps.runner.run(reset, { timeoutMs: timeoutMs() }));
      if (resetProblem) {
        report.errors.push(`${reset.join(' ')}: ${resetProblem}`);
      } else {
        report.startLimitReset = true;
        report.actions.push(`${managerArgv.join(' ')} was refused (${problem}): ${names.systemdService} had hit systemd's start limit (start-limit-hit); ${reset.join(' ')} and asked again`);
        problem = commandFailure(await deps.runner.run(managerArgv, { timeoutMs: timeoutMs() }));
      }
    }
    if (!problem) {
      report.restartedVia = deps.serviceManager === 'systemd' ? 'systemd' : 'launchd';
      report.actions.push(`asked the service manager: ${managerArgv.join(' ')}`);
      return undefined;
    }
    report.errors.push(`${managerArgv.join(' ')}: ${problem}`);
    report.actions.push('service manager restart failed: starting the daemon directly');
    noteDirect();
  }
  // The daemon started directly runs with this process's environment and loads the same file: a config that does not
  // load here makes it exit 78 at once. Under cron (or when the service manager failed) it was started every pass all
  // the same, a node start and a daemon.out.log entry each minute, for a file only a person can fix.
  const problem = await deps.configProblem?.().catch(() => undefined);
  if (problem !== undefined) {
    report.configInvalid = problem;
    report.actions.push(
      `the config does not load, so a daemon started now would exit with code ${EX_CONFIG} (EX_CONFIG) at once: not started until the file is fixed; ` +
        `the next pass after the fix starts it. ${problem}`,
    );
    return undefined;
  }
  try {
    const started = await within(deps.clock, Math.max(1, deadline.left()), 'startDaemon', (signal) => deps.startDaemon(signal));
    report.restartedVia = 'direct';
    report.actions.push('started the daemon directly');
    return started ?? undefined;
  } catch (err) {
    pushError(report, deps.stateDir, err, `startDaemon: ${message(err)}`, { so: 'daemon not started' });
    // It never ran (its output file refused: a read-only or full state dir): no heartbeat can come, so the pass says
    // why at once instead of waiting ~20 s and saying "did not come back in time".
    return { exited: Promise.resolve({ code: null, signal: null, error: message(err) }) };
  }
}

const SYSTEMCTL_USER = ['systemctl', '--user'] as const;

/** sysexits.h EX_CONFIG: what `clawback run` exits with on a config it cannot load. */
const EX_CONFIG = 78;

/**
 * Whether the daemon's unit last exited 78 (EX_CONFIG, `systemctl show -p ExecMainStatus`) and its config still does not
 * load: then restarting it (or resetting its start limit) only repeats the exit, so it is left down and the report says
 * what to fix. Both must agree: a config the guardian cannot load but the daemon could (a variable only in the unit's
 * environment) never keeps a daemon down. Asks systemd only when the config is invalid.
 */
async function configStillInvalid(deps: GuardianDeps, names: ReturnType<typeof serviceNames>, timeoutMs: number, report: GuardianReport): Promise<boolean> {
  const problem = await deps.configProblem?.().catch(() => undefined);
  if (problem === undefined) return false;
  const r = await deps.runner.run([...SYSTEMCTL_USER, 'show', '--property=ExecMainStatus', '--value', names.systemdService], { timeoutMs });
  if (commandFailure(r) !== undefined || Number(r.stdout.trim()) !== EX_CONFIG) return false;
  report.configInvalid = problem;
  report.actions.push(
    `${names.systemdService} last exited with code ${EX_CONFIG} (EX_CONFIG: its config cannot be loaded) and the config is still invalid: not restarted ` +
      `(nor its start limit reset) until the file is fixed; the next pass after the fix starts it. ${problem}`,
  );
  return true;
}

/** Whether the daemon's unit is failed because it hit systemd's start limit (`systemctl show -p Result`). */
async function startLimitHit(deps: GuardianDeps, names: ReturnType<typeof serviceNames>, timeoutMs: number): Promise<boolean> {
  const r = await deps.runner.run([...SYSTEMCTL_USER, 'show', '--property=Result', '--value', names.systemdService], { timeoutMs });
  return commandFailure(r) === undefined && r.stdout.trim() === 'start-limit-hit';
}

/** Polls until cond is true or ms pass; true when cond held. */
async function waitUntil(clock: Clock, ms: number, pollMs: number, cond: () => boolean | Promise<boolean>): Promise<boolean> {
  const end = clock.monotonic() + ms;
  for (;;) {
    if (await cond()) return true;
    const left = end - clock.monotonic();
    if (left <= 0) return false;
    await clock.sleep(Math.min(pollMs, left));
  }
}
