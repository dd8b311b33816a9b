// Composition root: load config, build every object, wire the event bus, serve the API, shut down cleanly.
import { startedText, type StartedService } from './started-text.js';
import type { ProbeTickReport } from '../probes/probe-worker.js';
import type { PreflightStep } from '../doctor/preflight.js';
import { guardianPassView, renderGuardianPassGauges } from './guardian-pass.js';
import { existsSync, rmSync, statSync } from 'node:fs';
import { currentBootId, STOPPED_MARKER, stoppedOnPurposeNow, writeStoppedMarker } from './stopped-marker.js';
import path from 'node:path';
import type { LoadedConfig, LoadOptions } from '../config/load.js';
import { loadConfigIsolated } from '../config/load-isolated.js';
import type { ClawbackConfig, ServiceConfig } from '../config/schema.js';
import { prepareDemoConfig } from '../config/demo-preset.js';
import { delayToGrid, latenessRecordingClock, systemClock, type Clock, type DaemonPause } from '../platform/clock.js';
import { PAUSE_EXIT_SLACK_MS, PAUSE_SHOWN_MS, PAUSE_TOLD_MS, pauseEvent } from './pause-event.js';
import { isSameProcess, processStartTime, startTimeEpochMs } from '../platform/proc.js';
import { EventBus, type ClawbackEvent } from '../observe/events.js';
import { JournalWriter } from '../observe/journal.js';
import { quietRecovery, type QuietRecovery } from './quiet-recovery.js';
import { Redactor } from '../observe/redact.js';
import { learnServiceSecrets } from '../observe/service-secrets.js';
import { earlyEvents } from '../observe/early-events.js';
import { STATE_MAX_BYTES, StateStore, type DaemonState } from './state-store.js';
import { mergeAgentRuns, readAgentLedger, writeAgentLedger } from './agent-ledger.js';
import { findUnrecordedInstances } from './unrecorded-instances.js';
import type { ServiceRecord } from '../decide/service-state.js';
import { normalizeState } from '../decide/service-state.js';
import { ServiceRuntime, type HealthEvents, type HealthWatch, type Repairers, type RuntimeDeps, type ActionResult, type PreflightAnswer } from './service-runtime.js';
import { serviceLogFile, spawnSpecFor } from './spawn-spec.js';
import { cliHint } from '../cli/cli-command.js';
import { probeHealthWatch } from './health-watch.js';
import { probeResourcesWatch } from './probe-resources.js';
import { formatBytes } from '../probes/byte-size.js';
import { startApiServer, type ApiServer, type ServiceAction } from '../server/api-server.js';
import { ensureToken, restoreToken } from '../server/token-issue.js';
import { tokenPath } from '../server/token.js';
import { readDaemonPresence, type DaemonInfo } from './daemon-info.js';
import { removeDaemonInfo, startHeartbeat, type Heartbeat } from './heartbeat.js';
import { daemonStopTimeoutSec } from '../platform/daemon-stop-timeout.js';
import { SupervisionPulse } from './supervision-pulse.js';
import { PREVIOUS_DIED_SHOWN_MS, heldEndEvent, heldEndVerdict, previousDaemonEnd, type HeldEnd } from './previous-end.js';
import { noteStartAttempt, START_ATTEMPTS_FILE, START_LOOP_ATTEMPTS, type StartNote } from './start-attempts.js';
import { lastBootAt } from '../platform/boot-time.js';
import { VERSION } from '../version.js';
import { beforeReplace, carryMaintenance, MAINTENANCE_FOR_MAX_MS, setMaintenance, type CarriedMaintenance } from './maintenance-targets.js';
import { handOver, type HandOver } from './hand-over.js';
import { parseDuration } from '../config/duration.js';
import { PendingEventsReader } from './pending-events.js';
import { launchExternal } from '../supervisor/external-process.js';
import { oncePerStalePid, stalePidFileText } from '../supervisor/pid-file-owner.js';
import { realCommandRunner } from '../platform/command-runner.js';
import { ensurePrivateDir, moveAsideNonDir } from '../platform/private-dir.js';
import { stateFingerprint } from './state-fingerprint.js';
import { HeapWatch, WHOLE_READ_HEAP_FACTOR } from './heap-watch.js';
import { DaemonFaults, faultRetryDelay, renderDegradedGauge, renderReloadGauge, type DaemonHealthStatus, type FaultLog, describeFault } from './daemon-faults.js';
import { faultLog } from './fault-log.js';
import { takeDaemonLock, type DaemonLockCheck, type DaemonLockResult, type EarlyDaemonLock } from './daemon-lock.js';
import { lockNotTaken, lockWatch, type LockWatch } from './lock-watch.js';
import { takeConfigClaim, type ClaimResult } from './config-claim.js';
import { realOrSame, recordedDaemonLives } from './daemon-identity.js';
import { diffServices, sameProcessSpec, type ServiceSetDiff } from './service-set.js';
import { instancesCommand } from '../instances/instances-api.js';
import { instancesPlugin } from '../instances/instances-plugin.js';
import { waitHealthyAgain } from '../instances/wait-healthy.js';
import { peersDown, rolloutOrder } from '../instances/rollout-guard.js';
import { keepCorruptScaleFile, SCALE_FILE, scaleReadLimit } from '../instances/scale-store.js';
import { ROLLOUT_INSTANCE_TIMEOUT_MS } from '../instances/rolling-restart.js';
import { namesFor, parseInstanceName } from '../instances/instance-name.js';
import { APPROVAL_ROUTE, MAINTENANCE_ROUTE, bootsFor } from './request-gate.js';
import { recoverAbandonedGuards } from '../drill/file-guard.js';
import { drillBackupRoots } from '../drill/drill-leftovers.js';
import { configDigest } from '../config/config-digest.js';
import { startOrder, stopWaves } from '../config/service-order.js';
export { startOrder, stopWaves };

export interface DaemonOptions extends LoadOptions {
  /** A load of this config already under way (`clawback run` starts it before the daemon's modules load). */
  loaded?: Promise<LoadedConfig>;
  clock?: Clock;
  /** Overrides the configured API port (0 = any free port). */
  apiPort?: number;
  /**
   * The guardian started this daemon directly and tells the channels when it cannot start (its alert carries this
   * daemon's output, once an hour): the start fault is journaled, not paged. Paged by each daemon, a port held by
   * another program meant a critical "did not start" page every minute, one per guardian pass.
   */
  startedByGuardian?: boolean;
  /** daemon.lock as `clawback run` took it before the config loaded: kept when it is this state directory's, else let go. */
  earlyLock?: EarlyDaemonLock;
  /** Human-readable progress lines (the CLI prints them). */
  say?: (line: string) => void;
  /**
   * Another live daemon took daemon.lock while it was gone (a person's rm, a restore): this daemon yields to it, leaving
   * the services running for it. The CLI exits; without this the daemon stops itself that way (services left running).
   */
  onLockLost?: (message: string) => void;
  heartbeatMs?: number;
  /** Builds the health watch of a service; default: its probes (uptime-based when it has none). */
  makeHealthWatch?: (service: ServiceConfig, runtime: () => ServiceRuntime, events: HealthEvents, ctx: DaemonContext) => HealthWatch;
  makeRepairers?: (service: ServiceConfig, runtime: () => ServiceRuntime, ctx: DaemonContext) => Repairers;
  /** A check before every start; a message means "repair first" (Level 2) instead of a restart loop. */
  makePreflight?: (service: ServiceConfig, ctx: DaemonContext) => ((onStep?: (step: PreflightStep) => void, signal?: AbortSignal) => Promise<PreflightAnswer>) | undefined;
  /** Extra wiring (metrics, notifier, dashboard) once the core is built. */
  plugins?: DaemonPlugin[];
}

export interface DaemonContext {
  config: ClawbackConfig;
  configFile: string | undefined;
  stateDir: string;
  clock: Clock;
  bus: EventBus;
  redactor: Redactor;
  emit(event: ClawbackEvent): void;
  /** The worst lateness (ms) of the clock's timers in the last minute (a read consumes nothing): the daemon's event-loop lag. */
  loopLag?: () => number;
  /** A pause of the daemon not yet told (platform/clock.ts, takePause), at least minMs long. */
  takePause?: (minMs: number) => DaemonPause | undefined;
  /** The daemon's start on the wall and boot clocks (absent where the clock has no boot clock): see DoctorContext. */
  wallAnchor?: { wall: number; boot: number };
}

export interface DaemonPlugin {
  name: string;
  /** Called after runtimes exist, before the API starts. */
  init(ctx: DaemonContext, daemon: Daemon): Promise<PluginHooks | void> | PluginHooks | void;
}

export interface PluginHooks {
  metrics?: () => Promise<string>;
  extra?: (path: string, query: URLSearchParams) => Promise<unknown | undefined>;
  dashboard?: (path: string) => { body: string | Buffer; type: string } | undefined;
  /** Top-level additions to the status JSON (e.g. notify.deadLetters). */
  status?: () => Record<string, unknown>;
  /** Extra POST routes (token required), e.g. /api/notify/flush; undefined when not handled. */
  post?: (path: string, query: URLSearchParams) => Promise<{ status: number; body: unknown } | undefined>;
  /** At boot, before the service may start: work of this plugin a killed daemon left unfinished on it (what), which holds it until the plugin tells its runtime. */
  holdAtBoot?: (service: ServiceConfig) => Promise<string | undefined>;
  stop?: () => Promise<void>;
}

export class DaemonAlreadyRunning extends Error {}

/** A daemon the guardian started found daemon.stopped (this boot) once it held daemon.lock: a person's stop came after the guardian looked. */
export class StoppedMeanwhile extends Error {}

/** The API/dashboard port could not be bound (taken by another program): the daemon started nothing. */
export class ApiPortUnavailable extends Error {}

/** Names the address, the cause and, when /proc shows it, who holds the port; what to change. */
async function apiListenError(err: unknown, host: string, port: number): Promise<Error> {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // api.host that names no address ("not a host!", a typo of a name): getaddrinfo's codes, which read as a crash.
  const unresolved = code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL';
  if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL' && !unresolved) return err instanceof Error ? err : new Error(String(err));
  let holder = '';
  if (code === 'EADDRINUSE') {
    // Loaded only here: naming the holder is worth a /proc walk once, not a module on the daemon's start-up path.
    const { findPortListeners } = await import('../doctor/port-listeners.js');
    const { commandLine } = await import('../platform/proc.js');
    const { shownCommandLine } = await import('../platform/shown-command.js');
    const pids = (await findPortListeners(port).catch(() => ({ pids: [] as number[] }))).pids;
    if (pids.length > 0) holder = ` by ${pids.map((p) => `pid ${p} (${shownCommandLine(commandLine(p) ?? '?')})`).join(', ')}`;
  }
  const why = code === 'EADDRINUSE' ? `already in use${holder}` : code === 'EACCES' ? 'not permitted (a port below 1024 needs privileges)' : unresolved ? 'the host name does not resolve' : 'not an address of this machine';
  const fix =
    code === 'EADDRINUSE' || code === 'EACCES'
      ? 'Free the port, or set api.port in the config (or --api-port)'
      : `Set api.host in the config to an address of this machine (got ${JSON.stringify(host)}; default 127.0.0.1)`;
  return new ApiPortUnavailable(`cannot serve the API/dashboard on ${host}:${port}: ${why} (${code}); no service was started or adopted. ${fix}`);
}

/** At most one state.json write per this many ms after the first of a burst. */
const PERSIST_MIN_GAP_MS = 50;

/** What the daemon needs to report its own faults; createDaemon builds them, tests may pass their own. */
export interface DaemonParts {
  faults?: DaemonFaults;
  journal?: JournalWriter;
  /** The journal's fault reports, whose pending recovery (a quiet period) ends with the daemon. */
  journalFaults?: Pick<QuietRecovery, 'cancel'>;
  log?: FaultLog;
  /** Releases daemon.lock (taken by createDaemon) when the daemon stops or gives up starting. */
  releaseLock?: () => Promise<void>;
  /** Whether daemon.lock is still ours, taking it back when it was removed; looked at with the heartbeat. */
  checkLock?: () => Promise<DaemonLockCheck>;
  /** daemon.lock could not be taken at start (a full or read-only state dir): tried again with the heartbeat. */
  takeLock?: () => Promise<DaemonLockResult>;
  /** This start's note in start-attempts.json: its phases, cleared once daemon.started is journaled. */
  startNote?: Pick<StartNote, 'phase' | 'clear'>;
}

const DEPENDENCY_WAIT_MS = 60_000;
/** The start-attempt phase while scale.json is read whole. */
const SCALE_PHASE = 'reading scale.json';
/** The start-attempt phase past the state reads. */
const BOOT_PHASE = 'booting the services';

/** Written on a clean stop so the guardian does not revive a daemon a human stopped on purpose. */
export { STOPPED_MARKER };

export class Daemon {
  readonly startedAt: number;
  /** The start on the monotonic clock: the uptime, which a step of the wall clock made negative. */
  private readonly startedMono: number;
  readonly runtimes = new Map<string, ServiceRuntime>();
  /** Per-service additions to status (e.g. the forecast), registered by plugins. */
  readonly statusExtras = new Map<string, () => Record<string, unknown>>();
  api: ApiServer | undefined;
  private heartbeat: Heartbeat | undefined;
  /** Set when stop() begins: daemon.json says so, so the guardian reads "stopping", not "running" (or hung once beats end). */
  private stoppingSince: DaemonInfo['stopping'];
  private hooks: PluginHooks[] = [];
  private stopping: Promise<void> | undefined;
  private readonly store: StateStore;
  private readonly state: DaemonState;
  private persistQueued = false;
  /** stateFingerprint() of the last state.json written (see state-fingerprint.ts). */
  private savedFingerprint: string | null = null;
  private persistTimer: { cancel(): void } | undefined;
  private lastStateWrite = -Infinity;
  private readonly bootAbort = new AbortController();
  /** start() under way or done: a stop waits for it (its preflights cut short) before stopping the services. */
  private starting: Promise<void> | undefined;
  private booting: Promise<void> = Promise.resolve();
  /** True from start() until the services' first start (or adoption) is done: status says "starting". */
  private startingUp = true;
  private pendingTimer: { cancel(): void } | undefined;
  /** Stamped by the pending-events chore: /healthz answers 503 when it stops (the supervision loop is stuck). */
  private readonly pulse: SupervisionPulse;
  /** The daemon's own heap, checked on the pending-events chore (no timer of its own). */
  private readonly heapWatch: HeapWatch;
  /** Probe reports in, `probe-resources` faults out (a check that could not run for want of the daemon's own resources). */
  private readonly probeResources: (service: string, report: ProbeTickReport) => void;
  private readonly pending: PendingEventsReader;
  /** The daemon's own faults (full disk...): degraded reasons shown in status, metrics and events. */
  readonly faults: DaemonFaults;
  private readonly journal: JournalWriter | undefined;
  private readonly journalFaults: Pick<QuietRecovery, 'cancel'> | undefined;
  private readonly log: FaultLog;
  private stateRetry: { cancel(): void } | undefined;
  /** Timer retries of state.json since it last saved (the backoff step). */
  private stateRetries = 0;
  /** The config as loaded (parsed file, declared services): what a scale expands again. Replaced by a reload. */
  source: Pick<LoadedConfig, 'raw' | 'declared' | 'file'> | undefined;
  /** configDigest of source.raw, hashed once per load (status is asked for often; a load replaces raw). */
  private sourceDigest: { raw: unknown; digest: string } | undefined;
  /** With a `cluster:` block: the fence guard and lease release of a singleton service's runtime. */
  clusterDeps: ((service: ServiceConfig) => Partial<RuntimeDeps>) | undefined;
  /** Told of every runtime a reload or scale adds, before it boots (the cluster places singleton services). */
  onRuntimeAdded: ((service: ServiceConfig, rt: ServiceRuntime) => void) | undefined;
  /** Told of every service a reload or scale removes for good, after its instance stopped (the cluster frees its seat). */
  onRuntimeRemoved: ((name: string) => void) | undefined;
  /** Applies a reloaded `notify:` section (the observe plugin swaps its notifier); says what became of the spools. */
  onNotifyReload: ((notify: ClawbackConfig['notify']) => Promise<string>) | undefined;
  /** Reloads, scale changes and rolling restarts run one at a time, in order. */
  private setChain: Promise<unknown> = Promise.resolve();
  /** A config reload queued behind the running work and not started yet: later requests share it (config-reload.ts). */
  reloadWaiting: Promise<unknown> | undefined;
  /** The last config reload was refused or its rollout stopped (config-reload.ts): shown in the status until a good one. */
  reloadFailed: { at: number; by: string; message: string } | undefined;
  /** The previous daemon ended without its shutdown (previous-end.ts): shown in the status for PREVIOUS_DIED_SHOWN_MS. */
  previousDied: ClawbackEvent | undefined;
  /**
   * state.json could not be used at start (a FIFO, a directory, corrupt, misshapen, a newer version) and was moved aside:
   * the history was reset. Shown in the status for the daemon's life, until `clawback acknowledge`.
   */
  historyLost: ClawbackEvent | undefined;
  /** The previous daemon's end a guardian pass announced and has not told yet (previous-end.ts): settled as the queue is drained. */
  heldEnd: HeldEnd | undefined;
  /** The last pause the daemon noticed of its own (pause-event.ts), shown by status for PAUSE_SHOWN_MS. */
  private lastPause: ClawbackEvent | undefined;

  private readonly startNote: Pick<StartNote, 'phase' | 'clear'> | undefined;

  /** `clawback acknowledge`: the owner saw "PREVIOUS DAEMON DIED"; status stops showing it (the journal keeps it). */
  acknowledgePreviousDied(by: string): { status: number; body: Record<string, unknown> } {
    const shown = this.previousDied;
    const lost = this.historyLost;
    this.previousDied = undefined;
    this.historyLost = undefined;
    const what = [...(shown ? ['that the previous daemon died'] : []), ...(lost ? ['that the state history was reset'] : [])].join(' nor ');
    const message = what ? `acknowledged by ${by}: status and the dashboard no longer show ${what}` : 'nothing to acknowledge: no previous daemon death is shown';
    // Who cleared the notice, and when, is evidence too: the journal says it next to the death it acknowledged.
    if (lost && !shown) this.ctx.emit({ type: 'daemon.acknowledged', time: this.ctx.clock.now(), severity: 'info', message: `"state history reset" ${message}`, details: { by, historyLostAt: lost.time } });
    if (shown) this.ctx.emit({ type: 'daemon.acknowledged', time: this.ctx.clock.now(), severity: 'info', message: `"previous daemon died" ${message}`, details: { by, diedAt: shown.time, ...(shown.details?.pid !== undefined ? { pid: shown.details.pid } : {}) } });
    return { status: 200, body: { ok: true, message } };
  }

  constructor(
    readonly ctx: DaemonContext,
    state: DaemonState,
    private readonly opts: DaemonOptions,
    parts: DaemonParts = {},
    /** Lets events emitted while the daemon was being built reach the sinks once the plugins subscribed. */
    private readonly releaseEarlyEvents: () => void = () => undefined,
  ) {
    this.startedAt = ctx.clock.now();
    this.startNote = parts.startNote;
    this.startedMono = ctx.clock.monotonic();
    this.store = new StateStore(ctx.stateDir, () => ctx.clock.now());
    this.pending = new PendingEventsReader(ctx.stateDir, () => ctx.clock.now());
    this.pulse = new SupervisionPulse(ctx.clock);
    this.state = state;
    this.log = parts.log ?? faultLog({ stateDir: ctx.stateDir, redactor: ctx.redactor, clock: ctx.clock });
    this.faults = parts.faults ?? new DaemonFaults({ clock: ctx.clock, emit: (e) => ctx.emit(e), log: this.log, stateDir: ctx.stateDir });
    this.journal = parts.journal;
    this.journalFaults = parts.journalFaults;
    const releaseLock = parts.releaseLock ?? (async () => undefined);
    // A lock the watch took later (none at start) is let go of with the rest.
    this.releaseLock = async () => {
      await this.lockWatch?.release();
      await releaseLock();
    };
    this.lockWatch = parts.checkLock || parts.takeLock
      ? lockWatch({
          ...(parts.checkLock ? { check: parts.checkLock } : {}),
          ...(parts.takeLock ? { take: parts.takeLock } : {}),
          faults: this.faults,
          stateDir: ctx.stateDir,
          now: () => ctx.clock.now(),
          emit: (e) => ctx.emit(e),
          log: (level, message) => this.log(level, {}, message),
          yieldTo: (message) => {
            // A stop already under way (a look that ended after it began) goes on as it was asked.
            if (this.stopping) return;
            if (this.opts.onLockLost) this.opts.onLockLost(message);
            else void this.stop({ stopServices: false, stoppedOnPurpose: false, yielded: true });
          },
          retaken: () => this.stateDirEmptied(),
        })
      : undefined;
    this.probeResources = probeResourcesWatch(this.faults, () => ctx.clock.now());
    this.heapWatch = new HeapWatch({
      faults: this.faults,
      shed: () => {
        const chars = ctx.redactor.dropMemo();
        return chars > 0 ? `dropped the redactor's memo (${chars} characters)` : '';
      },
    });
  }

  private readonly releaseLock: () => Promise<void>;
  private readonly lockWatch: LockWatch | undefined;
  /** The token the API server checks (a token file made again by ensureToken would not be it). */
  private apiToken: string | undefined;

  /**
   * daemon.lock was gone (the state dir emptied or restored from a backup): the lock, daemon.json and the journal came
   * back at once, but the token only at the CLI's first refused call, state.json only at the next change and the dir's
   * 0700 mode never. They are put back with the lock. Never throws.
   */
  private stateDirEmptied(): void {
    const dir = this.ctx.stateDir;
    try {
      const warning = ensurePrivateDir(dir);
      if (warning) this.log('warn', { component: 'daemon' }, warning);
    } catch (err) {
      this.log('warn', { component: 'daemon' }, `could not check the mode of ${dir}: ${describeFault(err)}`);
    }
    if (this.apiToken !== undefined && restoreToken(dir, this.apiToken)) this.log('warn', { component: 'api' }, `the API token file ${tokenPath(dir)} was gone: wrote the daemon's token back (0600)`);
    // state.json is written when its fingerprint changes: a restored or removed copy is not the daemon's, so write it.
    this.savedFingerprint = null;
    this.persist();
  }

  get token(): string {
    return ensureToken(this.ctx.stateDir, undefined, (line) => this.log('warn', { component: 'api' }, line));
  }

  persist(): void {
    // Coalesce bursts of changes into one atomic write per tick, and at most one write per
    // PERSIST_MIN_GAP_MS after that (each write fsyncs the file and its directory: booting 1000 services
    // must not cost 1000 of them). A lone change is still written within the tick.
    if (this.persistQueued) return;
    this.persistQueued = true;
    const wait = this.lastStateWrite + PERSIST_MIN_GAP_MS - this.ctx.clock.monotonic();
    const write = (): void => {
      this.persistQueued = false;
      this.persistTimer = undefined;
      this.lastStateWrite = this.ctx.clock.monotonic();
      this.writeStateNow();
    };
    if (wait <= 0) queueMicrotask(write);
    else this.persistTimer = this.ctx.clock.setTimeout(write, wait);
  }

  /**
   * Saves state.json now. Never throws: a failed write (full disk, I/O error) degrades the daemon, keeps the
   * state in memory and retries with capped backoff (1 s .. 30 s); the next successful write clears it.
   */
  writeStateNow(): boolean {
    try {
      for (const [name, rt] of this.runtimes) {
        const { incident, ...record } = rt.persisted();
        this.state.services[name] = { record, incident };
      }
      // A lease renewal every TTL/5 only moves a singleton's deadlines: no write when nothing else changed.
      const fingerprint = stateFingerprint(this.state);
      if (fingerprint !== this.savedFingerprint) {
        this.store.save(this.state);
        this.savedFingerprint = fingerprint;
      }
    } catch (err) {
      this.faults.failed('state-write', err);
      this.scheduleStateRetry();
      return false;
    }
    this.stateRetries = 0;
    this.stateRetry?.cancel();
    this.stateRetry = undefined;
    this.faults.ok('state-write');
    return true;
  }

  private scheduleStateRetry(): void {
    if (this.stateRetry || this.stopping) return;
    this.stateRetry = this.ctx.clock.setTimeout(() => {
      this.stateRetry = undefined;
      this.stateRetries++;
      if (!this.stopping) this.writeStateNow();
    }, faultRetryDelay(this.stateRetries + 1));
  }

  /** `ok`, or `degraded` with the reasons (state, journal or heartbeat writes failing). */
  health(): DaemonHealthStatus {
    return this.faults.status();
  }

  /**
   * For an exit noticed at `at`: the start of a pause (not a sleep: a sleeping machine's service slept too) that ended
   * just before it was noticed, when the exit may have happened unseen; the pause is told first, so the journal has it
   * before the exit. Once per exit, never per tick.
   */
  private pausedSince(at: number): number | undefined {
    this.notePause();
    const p = this.lastPause;
    const since = p?.details?.['since'];
    if (!p || typeof since !== 'number' || p.details?.['kind'] === 'slept' || at < since) return undefined;
    // Told by this call, or by the heartbeat of the same wake-up: an exit seen later than that happened after the pause.
    return at - p.time <= PAUSE_EXIT_SLACK_MS ? since : undefined;
  }

  /** Says a pause of the daemon (or a sleep of the machine) once, and keeps it for status. */
  private notePause(): void {
    const pause = this.ctx.takePause?.(PAUSE_TOLD_MS);
    if (!pause) return;
    const e = pauseEvent(pause, this.ctx.clock.now());
    this.lastPause = e;
    this.ctx.emit(e);
  }

  status(): Record<string, unknown> {
    const now = this.ctx.clock.now();
    const health = this.faults.status();
    return {
      daemon: {
        health: health.health,
        degraded: health.degraded,
        pid: process.pid,
        version: VERSION,
        startedAt: this.startedAt,
        uptimeMs: Math.round(this.ctx.clock.monotonic() - this.startedMono),
        /** The daemon's wall clock, which the dashboard reads the status's times with. */
        now,
        configFile: this.ctx.configFile ?? null,
        // What the file parsed to when last loaded (boot or reload): a drill compares its own read of the file with it.
        configDigest: this.loadedConfigDigest(),
        reloadFailed: this.reloadFailed ?? null,
        guardian: guardianPassView(this.ctx.stateDir, now),
        lastPause: this.lastPause && Math.abs(now - this.lastPause.time) < PAUSE_SHOWN_MS ? { at: this.lastPause.time, message: this.lastPause.message, ...this.lastPause.details } : null,
        historyLost: this.historyLost ? { at: this.historyLost.time, message: this.historyLost.message, ...this.historyLost.details } : null,
        previousDied: this.previousDied && Math.abs(now - this.previousDied.time) < PREVIOUS_DIED_SHOWN_MS ? { at: this.previousDied.time, message: this.previousDied.message, ...this.previousDied.details } : null,
        stateDir: this.ctx.stateDir,
        api: this.api ? { host: this.api.host, port: this.api.port } : null,
        starting: this.startingUp,
      },
      services: this.runtimesInConfigOrder().map((rt) => ({ ...rt.status(), ...instanceLabels(rt.name), ...(this.statusExtras.get(rt.name)?.() ?? {}) })),
      ...Object.assign({}, ...this.hooks.map((h) => h.status?.() ?? {})),
    };
  }

  /**
   * The runtimes in the config's order (instances NAME:0..N-1 where the file names NAME). The map keeps insertion
   * order: a scale up or a reload added web:2 after every other service, so `clawback status` and the dashboard listed
   * it at the bottom, away from web:0 and web:1, until the daemon restarted.
   */
  private runtimesInConfigOrder(): ServiceRuntime[] {
    const index = new Map(this.ctx.config.services.map((s, i) => [s.name, i] as const));
    const at = (rt: ServiceRuntime): number => index.get(rt.name) ?? Number.MAX_SAFE_INTEGER;
    return [...this.runtimes.values()].sort((a, b) => at(a) - at(b));
  }

  /** A person's request (API, CLI, dashboard): handed to the service's reducer, answered with where it ended up. */
  async action(name: string, action: ServiceAction, query?: URLSearchParams): Promise<{ ok: boolean; status: number; message: string; runId?: string; reset?: ActionResult['reset'] }> {
    const rt = this.runtimes.get(name);
    if (!rt) {
      const instances = namesFor(name, this.runtimes.keys());
      const hint = instances.length > 0 ? `; ${name} runs as ${instances.join(', ')}: name one instance, or use \`clawback reload ${name}\` for a rolling restart` : '';
      return { ok: false, status: 404, message: `no service named "${name}" (known: ${[...this.runtimes.keys()].join(', ')})${hint}` };
    }
    const who = action === 'reset' ? (query?.get('by') ?? 'api').slice(0, 100) : undefined;
    const r = await rt.request(action, 'human', undefined, who);
    return { ok: r.ok, status: r.ok ? 200 : 409, message: r.message, ...(r.runId ? { runId: r.runId } : {}), ...(r.reset ? { reset: r.reset } : {}) };
  }

  /** POST routes beyond start/stop/restart/resume: maintenance and approvals. */
  async command(p: string, q: URLSearchParams): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
    const scaled = await instancesCommand(this, p, q);
    if (scaled) return scaled;
    const by = (q.get('by') ?? 'api').slice(0, 100);
    const m = MAINTENANCE_ROUTE.exec(p);
    if (m) {
      const name = decodeURIComponent(m[1]!);
      const on = q.get('on') !== '0' && q.get('on') !== 'off' && q.get('on') !== 'false';
      const forText = q.get('for');
      const forMs = forText ? parseDuration(forText) : undefined;
      if (forText && forMs === undefined) return { status: 400, body: { ok: false, message: `for: expected a duration such as 30m, got ${JSON.stringify(forText)}` } };
      // An end past what a date can hold was turned on, then its answer failed ("Invalid time value"): refuse it first.
      if (forMs !== undefined && forMs > MAINTENANCE_FOR_MAX_MS) {
        return { status: 400, body: { ok: false, message: `for: expected a duration of at most 3650d (leave it out for no end), got ${JSON.stringify(forText)}` } };
      }
      // A scaled service's name stands for all its instances.
      const r = setMaintenance(this.runtimes, name, on, { ...(forMs !== undefined ? { forMs } : {}), reason: (q.get('reason') ?? '').slice(0, 300), by });
      return { status: r.status, body: { ok: r.ok, message: r.message } };
    }
    const a = APPROVAL_ROUTE.exec(p);
    if (a) {
      const id = decodeURIComponent(a[1]!);
      for (const rt of this.runtimes.values()) {
        if (rt.currentIncident()?.id !== id) continue;
        const r = rt.answerApproval(id, a[2] === 'approve', by);
        return { status: r.ok ? 200 : 409, body: { ...r } };
      }
      return { status: 404, body: { ok: false, message: `no open incident ${id}` } };
    }
    return undefined;
  }

  /** The digest of the config file as the daemon last loaded it (boot or reload); null for the embedded demo. */
  private loadedConfigDigest(): string | null {
    if (!this.ctx.configFile || !this.source) return null;
    const raw = this.source.raw;
    let memo = this.sourceDigest;
    if (memo === undefined || memo.raw !== raw) {
      memo = { raw, digest: configDigest(raw) };
      this.sourceDigest = memo;
    }
    return memo.digest;
  }

  /**
   * A stop asked for while start() runs (Ctrl-C a second after `clawback run`) does not wait out the start: the
   * preflights are cut short, the boot ends, and the stop then stops what the boot started.
   */
  start(): Promise<void> {
    this.starting ??= this.startUp();
    return this.starting;
  }

  private async startUp(): Promise<void> {
    const { ctx } = this;
    // A start (the service manager's at boot, a person's) ends a stop on purpose: removed before anything can fail
    // (the API port taken at boot), else the guardian kept reading "stopped on purpose" and never revived the daemon.
    try {
      rmSync(path.join(ctx.stateDir, STOPPED_MARKER), { force: true });
    } catch (err) {
      this.log('warn', { err }, `could not remove ${STOPPED_MARKER}: ${(err as Error).message}`);
    }
    // Scaled services (autoscaler, their metrics and status) are part of the core: every daemon has them.
    for (const plugin of [...(this.opts.plugins ?? []), instancesPlugin()]) {
      const hooks = await plugin.init(ctx, this);
      if (hooks) this.hooks.push(hooks);
    }
    // Requests that change a service wait until start-up has booted (or adopted) the services.
    let booted!: () => void;
    const bootGate = new Promise<void>((resolve) => (booted = resolve));
    const port = this.opts.apiPort ?? ctx.config.api.port;
    const metricHooks = this.hooks.filter((h) => h.metrics).map((h) => h.metrics!);
    const pluginMetrics = metricHooks.length > 0 ? async () => (await Promise.all(metricHooks.map((m) => m()))).join('') : undefined;
    // The daemon's own degraded and reload gauges ride along with whatever metrics the plugins render.
    const metrics = pluginMetrics ? async () => (await pluginMetrics()) + renderDegradedGauge(this.faults.status()) + renderReloadGauge(this.reloadFailed) + renderGuardianPassGauges(guardianPassView(this.ctx.stateDir, this.ctx.clock.now())) : undefined;
    const dashboard = this.hooks.find((h) => h.dashboard)?.dashboard;
    const extras = this.hooks.filter((h) => h.extra).map((h) => h.extra!);
    const posts = this.hooks.filter((h) => h.post).map((h) => h.post!);
    // The API port is bound before any service is started or adopted: a port already taken fails the start here,
    // with nothing spawned (a failure after the boot left each attempt's services running unsupervised).
    const heldToken = this.token;
    this.apiToken = heldToken;
    try {
      this.api = await startApiServer({
        host: ctx.config.api.host,
        port,
        token: heldToken,
        // Only on a refused tokenless request: nothing per request or per tick.
        onTokenless: () => {
          if (restoreToken(ctx.stateDir, heldToken)) this.log('warn', { component: 'api' }, `the API token file ${tokenPath(ctx.stateDir)} was gone: wrote the daemon's token back (0600)`);
        },
        redactor: ctx.redactor,
        clock: ctx.clock,
        // A live event stream dropped for not reading is said once in the daemon's log (it was dropped silently).
        sse: {
          onDropped: ({ bufferedBytes, maxBufferedBytes, remote }) =>
            this.log('warn', { component: 'api', remote, bufferedBytes }, `dropped the live event stream of ${remote}: it stopped reading and ${formatBytes(bufferedBytes)} waited for it (bound ${formatBytes(maxBufferedBytes)}); it gets the missed events from the journal when it reconnects`),
        },
        handlers: {
          status: () => this.status(),
          health: () => this.pulse.health(this.startingUp),
          statusVersion: () => ctx.bus.emitted,
          // A request for one service waits for that service's boot only: behind the whole start-up, a stop waited
          // out another service's preflight validator (~30 s).
          action: async (name, action, query) => (await Promise.race([bootGate, this.runtimes.get(name)?.bootHeard ?? bootGate]), this.action(name, action, query)),
          // A maintenance or an approval waits for its own service's boot only (see request-gate.ts).
          command: async (p, q) => (await bootsFor(p, this.runtimes, bootGate), this.command(p, q)),
          // The API redacts each event it streams (its `redactor`); a second pass here cost every client twice.
          subscribe: (listener) => ctx.bus.subscribe(listener),
          ...(metrics ? { metrics } : {}),
          ...(dashboard ? { dashboard } : {}),
          extra: async (p, q) => {
            for (const fn of extras) {
              const r = await fn(p, q);
              if (r !== undefined) return r;
            }
            return undefined;
          },
          // A plugin's POST waits for what it touches only (see request-gate.ts): an acknowledge touches no service.
          post: async (p, q) => {
            await bootsFor(p, this.runtimes, bootGate, q);
            if (p === '/api/daemon/acknowledge') return this.acknowledgePreviousDied((q.get('by') ?? 'api').slice(0, 100));
            for (const fn of posts) {
              const r = await fn(p, q);
              if (r !== undefined) return r;
            }
            return undefined;
          },
        },
      });
    } catch (err) {
      const failure = await apiListenError(err, ctx.config.api.host, port);
      const toldBy = this.opts.startedByGuardian ? { notifiedBy: 'guardian' } : {};
      ctx.emit({ type: 'daemon.fault', time: ctx.clock.now(), severity: 'critical', message: `clawback did not start: ${failure.message}`, details: { effect: 'api-listen', error: failure.message, ...toldBy } });
      // What the guardian queued stays queued for a daemon that starts (its bound, its order kept).
      this.releaseEarlyEvents();
      await this.abandonStart();
      throw failure;
    }
    // What the guardian queued while no daemon ran (a crash it saw, the services it started, "could not revive")
    // happened before this start: journaled ahead of the start's own events (daemon.died, the boot), which wait in the
    // early buffer until now. Drained only at the end of the boot, it came after them. Its claims go once journaled.
    this.drainPendingOnce();
    this.releaseEarlyEvents();
    // daemon.json (the API's address) is written before the first start, not after: that start waits for each
    // service's preflight (OpenClaw's config validator, up to 60 s), and meanwhile `clawback status` waited 10 s and
    // answered nothing. Status says the daemon is starting and what each service is doing; changes wait for the boot.
    // Our own start time never changes: read /proc once, not on every heartbeat.
    const pidStartTime = processStartTime(process.pid) ?? null;
    this.heartbeat = startHeartbeat({
      stateDir: ctx.stateDir,
      clock: ctx.clock,
      intervalMs: this.opts.heartbeatMs ?? 2000,
      onError: (err) => this.faults.failed('heartbeat-write', err),
      onWritten: () => this.faults.ok('heartbeat-write'),
      onMovedAside: (keptAs, was) =>
        ctx.emit({ type: 'daemon.fault', time: ctx.clock.now(), severity: 'warning', message: `daemon.json was ${was}, not a regular file: moved aside to ${keptAs} (kept as evidence) so the heartbeat could be written`, details: { effect: 'heartbeat-write', error: `${was} in its place, moved aside to ${keptAs}` } }),
      onTick: () => {
        this.notePause();
        if (!this.stopping) this.lockWatch?.tick();
      },
      info: () => ({
        pid: process.pid,
        startedAt: this.startedAt,
        version: VERSION,
        api: { host: this.api!.host, port: this.api!.port },
        heartbeatAt: ctx.clock.now(),
        configPath: ctx.configFile ?? '',
        ...(this.opts.apiPort !== undefined ? { apiPortOverride: this.opts.apiPort } : {}),
        pidStartTime,
        ...(this.stoppingSince ? { stopping: this.stoppingSince } : {}),
      }),
    });
    await this.heartbeat.beat();
    this.startNote?.phase(BOOT_PHASE);
    try {
      await this.bootInOrder();
    } finally {
      booted();
    }
    this.startingUp = false;
    // Stopped while starting: the stop under way says so; no "started" after it began. A stop on purpose is no silent
    // death either: the start note goes, or three Ctrl-Cs during starts moved state.json aside at the fourth.
    if (this.stopping) {
      this.startNote?.clear();
      return;
    }
    this.drainPendingEvents();
    ctx.emit({ type: 'daemon.started', time: ctx.clock.now(), severity: 'info', message: startedText(VERSION, process.pid, this.startedServices()), details: { pid: process.pid, version: VERSION } });
    this.startNote?.clear();
  }

  /** What each service is doing as the start-up ends (services with dependsOn may still wait; a preflight may have held one). */
  private startedServices(): StartedService[] {
    return [...this.runtimes.values()].map((rt) => {
      const st = rt.status();
      const cfg = this.ctx.config.services.find((c) => c.name === st.name);
      return { name: st.name, state: st.state, pid: st.pid, held: st.held, desired: rt.persisted().desired, dependsOn: cfg?.dependsOn ?? [] };
    });
  }

  /** A start that failed before any service was touched: the plugins' timers stop, the journal closes; services untouched. */
  private async abandonStart(): Promise<void> {
    // A start refused with its reason said (the API port taken) is no silent death: not counted as one.
    this.startNote?.clear();
    this.bootAbort.abort();
    for (const h of this.hooks) await h.stop?.().catch(() => undefined);
    this.journal?.close();
    this.journalFaults?.cancel();
    await this.releaseLock().catch(() => undefined);
  }

  /**
   * Services without dependencies start at once; a service with dependsOn starts once its
   * dependencies are healthy (bounded wait, then it starts anyway and says so).
   */
  private async bootInOrder(): Promise<void> {
    const { config } = this.ctx;
    const booted = new Map<string, Promise<void>>();
    // What a dependent waits for: its dependency booted and its start over (an external one's counts external.timeout).
    const started = new Map<string, Promise<void>>();
    for (const name of startOrder(config.services)) {
      const deps = config.services.find((s) => s.name === name)!.dependsOn;
      // Every service boots now (adopted, its work re-armed, a person's stop or start answered); only the start of
      // one with dependsOn waits. Booted later, a stop asked for meanwhile hit no instance and the boot undid it.
      const rt = this.runtimes.get(name)!;
      booted.set(
        name,
        (async () => {
          await rt.judgeOrphanAgentRun();
          const updateInFlight = await this.holdAtBoot(rt.config);
          const hold = updateInFlight ? { updateInFlight } : {};
          if (deps.length === 0) return rt.boot(hold);
          await rt.boot({ waitsForDependencies: true, ...hold });
          await Promise.all(deps.map((d) => started.get(d)));
          // A person who started or stopped it meanwhile decided: no wait, no "starting anyway".
          await this.waitHealthy(name, deps, () => rt.persisted().desired === 'down' || rt.current() !== undefined);
          if (!this.bootAbort.signal.aborted) await rt.dependenciesReady();
        })(),
      );
      started.set(name, booted.get(name)!.then(() => rt.startDone()));
    }
    const independent = config.services.filter((s) => s.dependsOn.length === 0).map((s) => booted.get(s.name)!);
    await Promise.all(independent);
    this.booting = Promise.all(booted.values()).then(() => undefined);
  }

  /** boot()'s hold of a service with an interrupted update's record ({} when none). */
  private async updateHoldOf(service: ServiceConfig): Promise<{ updateInFlight?: string }> {
    const updateInFlight = await this.holdAtBoot(service);
    return updateInFlight ? { updateInFlight } : {};
  }

  /** What a plugin's unfinished work (an interrupted update) holds this service for at boot; undefined: nothing. */
  private async holdAtBoot(service: ServiceConfig): Promise<string | undefined> {
    for (const h of this.hooks) {
      const why = await h.holdAtBoot?.(service).catch((err: unknown) => `its record could not be read (${(err as Error).message})`);
      if (why) return why;
    }
    return undefined;
  }

  /** The guardian's events arrive through a file; pick them up now and every few seconds (and check the heap then). */
  private drainPendingEvents(): void {
    if (this.stopping) return;
    this.heapWatch.check();
    this.drainPendingOnce();
    this.pulse.beat();
    this.pendingTimer = this.ctx.clock.setTimeout(() => this.drainPendingEvents(), delayToGrid(this.ctx.clock, 2000));
  }

  /**
   * One read of the guardian's queue, straight to the bus (ahead of events held for it); a claim goes once journaled.
   * `stopping`: the stop's last drain, which settles a held end whose pass still runs (said now, or never).
   */
  private drainPendingOnce(stopping = false): void {
    const held = this.heldEnd;
    // Asked before the drain: a pass that queued guardian.revived and then ended has its event in this very drain.
    const passRuns = held ? isSameProcess(held.pass.pid, held.pass.startTime) : false;
    let revived = false;
    try {
      // Not removed while the journal only buffers its events (a full disk): a daemon killed then left them to the next.
      this.pending.take(
        (e) => {
          if (held && e.type === 'guardian.revived' && e.details?.oldPid === held.oldPid) revived = true;
          this.ctx.bus.emit(e);
        },
        () => (this.journal?.backlog().buffered ?? 0) === 0,
      );
      this.faults.ok('pending-events');
    } catch (err) {
      this.faults.failed('pending-events', err);
      return;
    }
    if (!held) return;
    const verdict = heldEndVerdict(held, { revived, passRuns, stopping, lastPass: guardianPassView(this.ctx.stateDir, this.ctx.clock.now()).last });
    if (verdict === 'wait') return;
    this.heldEnd = undefined;
    if (verdict === 'told') return;
    const event = heldEndEvent(held, this.ctx.clock.now(), passRuns);
    if (event.type === 'daemon.died') this.previousDied = event;
    this.ctx.emit(event);
  }

  private async waitHealthy(name: string, deps: string[], decided: () => boolean = () => false): Promise<void> {
    const { clock } = this.ctx;
    // Counted on the monotonic clock: a wall clock set back an hour held the dependent for the hour, set forward it
    // started at once ("not healthy after 60 s").
    const deadline = clock.monotonic() + DEPENDENCY_WAIT_MS;
    while (clock.monotonic() < deadline && !this.bootAbort.signal.aborted) {
      if (decided() || deps.every((d) => this.runtimes.get(d)?.status().health === 'healthy')) return;
      await clock.sleep(100, this.bootAbort.signal).catch(() => undefined);
    }
    if (!this.bootAbort.signal.aborted) {
      this.ctx.emit({ type: 'probe.failed', time: clock.now(), severity: 'warning', service: name, message: `${name}: dependencies ${deps.join(', ')} not healthy after ${DEPENDENCY_WAIT_MS / 1000} s; starting anyway`, details: { dependsOn: deps } });
    }
  }

  /** Set when the daemon is stopping: long changes of the service set (rolling restarts) give up. */
  get stopSignal(): AbortSignal {
    return this.bootAbort.signal;
  }

  /** The agent budget's ledger of one service, as its reducer counts the runs; a failed write is a warning (state.json counts them). */
  private writeLedger(name: string, runs: readonly number[]): void {
    try {
      writeAgentLedger(this.ctx.stateDir, name, runs);
    } catch (err) {
      const error = (err as Error).message;
      this.ctx.emit({ type: 'daemon.fault', time: this.ctx.clock.now(), severity: 'warning', service: name, message: `${name}: the agent budget's ledger could not be written (${error}); the runs are counted in state.json only`, details: { effect: 'agent-ledger', error } });
    }
  }

  /** Runs changes of the service set (reload, scale, rolling restart) one at a time; refused once the daemon stops. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.setChain.then(() => {
      if (this.bootAbort.signal.aborted) throw new Error('the daemon is stopping');
      return fn();
    });
    this.setChain = run.catch(() => undefined);
    return run;
  }

  /** Builds the runtime of one service (not started): at creation, and when a reload or scale adds one. */
  addRuntime(service: ServiceConfig, saved?: DaemonState['services'][string]): ServiceRuntime {
    const { ctx, opts } = this;
    const { clock, stateDir } = ctx;
    const state = normalizeState(saved?.record, saved?.incident ?? null, service.autostart ? 'up' : 'down');
    // The budget's runs as the ledger has them too: state.json may have been moved aside, or the service removed and re-added.
    if (service.emergency) state.agentRuns = mergeAgentRuns(state.agentRuns, readAgentLedger(stateDir, service.name));
    let rt: ServiceRuntime | undefined;
    const getRt = (): ServiceRuntime => rt!;
    const preflight = opts.makePreflight?.(service, ctx);
    const external = service.external;
    const runner = external ? realCommandRunner({ clock }) : undefined;
    // A stale pid file (its pid dead or taken by a younger process) is passed over: said once per file and pid, a warning.
    const onStale = external?.pidFile
      ? oncePerStalePid((pidFile, pid, why) => {
          const error = stalePidFileText(pidFile, pid, why);
          // The service's file is stale, not the daemon at fault: a service warning, never a daemon-fault page.
          ctx.emit({ type: 'service.pid-file-stale', time: clock.now(), severity: 'warning', service: service.name, message: `${service.name}: ${error}`, details: { pidFile, pid, why } });
        })
      : undefined;
    rt = new ServiceRuntime(service, state, {
      ...(external && runner ? { launch: (_reason, signal, end) => launchExternal(external, clock, runner, { restart: false, signal, end, ...(onStale ? { onStale } : {}) }) } : {}),
      ...(preflight ? { preflight } : {}),
      clock,
      emit: ctx.emit,
      persist: () => this.persist(),
      spawnSpec: () => spawnSpecFor(service, stateDir),
      // Level 4 names a command that reaches this daemon when pasted: its state directory, this install's entry point.
      resumeCommand: cliHint(['resume', service.name], { stateDir }),
      ...(service.emergency ? { agentLedger: (runs: readonly number[]) => this.writeLedger(service.name, runs) } : {}),
      logFile: serviceLogFile(service, stateDir),
      redactor: ctx.redactor,
      onLogFault: (err) => this.faults.failed('service-log', err),
      onSpawnFault: (err) => this.faults.failed('spawn-resources', err),
      onSpawned: () => this.faults.ok('spawn-resources'),
      pausedSince: (at) => this.pausedSince(at),
      onProbeReport: (report) => this.probeResources(service.name, report),
      makeHealthWatch: (events) =>
        opts.makeHealthWatch?.(service, getRt, events, ctx) ??
        probeHealthWatch({ service, logFile: serviceLogFile(service, stateDir), clock, events, emit: ctx.emit }),
      repairers: opts.makeRepairers?.(service, getRt, ctx) ?? {},
      ...(this.clusterDeps?.(service) ?? {}),
    });
    this.runtimes.set(service.name, rt);
    this.onRuntimeAdded?.(service, rt);
    return rt;
  }

  /**
   * Makes the running set match `next` (call it inside exclusive()): removed services are stopped through their
   * reducers and disposed, changed ones are replaced (fresh counters), added ones boot (after their dependsOn are
   * healthy, bounded as at boot); untouched ones keep their pid.
   * Changed instances of a scaled service are replaced one at a time, each healthy (bounded) before the next.
   */
  async applyServices(next: ClawbackConfig, opts: { instanceTimeoutMs?: number } = {}): Promise<ServiceSetDiff> {
    const diff = diffServices(this.ctx.config.services, next.services);
    const previous = new Map(this.ctx.config.services.map((s) => [s.name, s] as const));
    // Only probes, restart policy...: the running instance is kept (same pid, its counters and incident too).
    const retuned = diff.changed.filter((s) => sameProcessSpec(previous.get(s.name)!, s));
    const replaced = diff.changed.filter((s) => !retuned.includes(s));
    const rolling = replaced.filter((s) => parseInstanceName(s.name) !== null);
    const going = new Set([...diff.removed, ...replaced.filter((s) => !rolling.includes(s)).map((s) => s.name)]);
    // What a person's orders left is read once each old runtime is stopped (see carryMaintenance), and a request that
    // reaches it once it takes no facts is carried on and answered by its replacement (as a retune's is).
    const olds = new Map(replaced.map((s) => [s.name, this.runtimes.get(s.name)] as const));
    const before = new Map(replaced.map((s) => [s.name, beforeReplace(this.runtimes.get(s.name))] as const));
    const handOvers = new Map(replaced.map((s) => [s.name, handOver()] as const));
    const carried = new Map<string, CarriedMaintenance>();
    const carry = (name: string): CarriedMaintenance | undefined => {
      if (!olds.has(name)) return undefined;
      if (!carried.has(name)) carried.set(name, carryMaintenance(olds.get(name), before.get(name)));
      return carried.get(name);
    };
    try {
      return await this.applyChanges(next, diff, { previous, retuned, replaced, rolling, going, handOvers, carry }, opts);
    } finally {
      // Nothing built (the daemon stopping, a failed step): a request waiting on a handover is answered by the old runtime.
      for (const h of handOvers.values()) h.to(undefined);
    }
  }

  private async applyChanges(
    next: ClawbackConfig,
    diff: ServiceSetDiff,
    plan: {
      previous: Map<string, ServiceConfig>;
      retuned: ServiceConfig[];
      replaced: ServiceConfig[];
      rolling: ServiceConfig[];
      going: Set<string>;
      handOvers: Map<string, HandOver>;
      carry: (name: string) => CarriedMaintenance | undefined;
    },
    opts: { instanceTimeoutMs?: number },
  ): Promise<ServiceSetDiff> {
    const { previous, retuned, replaced, rolling, going, handOvers, carry } = plan;
    // As at shutdown, wave by wave (dependents first, each wave at once): one at a time, N stubborn services took N graces.
    for (const wave of stopWaves(this.ctx.config.services)) await Promise.all(wave.filter((n) => going.has(n)).map((n) => this.removeRuntime(n, handOvers.get(n)?.next)));
    for (const name of diff.removed) this.onRuntimeRemoved?.(name);
    this.ctx.config = next;
    await learnServiceSecrets(this.ctx.redactor, next);
    const waitedForStop: Array<{ name: string; ms: number }> = [];
    for (const s of retuned) {
      const ms = await this.retune(s);
      if (ms !== undefined) waitedForStop.push({ name: s.name, ms });
    }
    const coming = new Set([...diff.added, ...replaced.filter((s) => !rolling.includes(s))].map((s) => s.name));
    // What the daemon's shutdown left undone: said as such, never as an instance "not healthy in time" (a false fact).
    const cut: { while?: string; notApplied: string[] } = { notApplied: [] };
    for (const name of startOrder(next.services).filter((n) => coming.has(n))) {
      if (this.bootAbort.signal.aborted) {
        cut.notApplied.push(name);
        continue;
      }
      const c = carry(name);
      const service = next.services.find((s) => s.name === name)!;
      // As at boot: a service that will start waits (bounded) until what it depends on is healthy.
      // Its dependencies' starts under way are waited for first (an external one's counts its external.timeout).
      if (service.dependsOn.length > 0 && ((c?.saved?.record.desired ?? (service.autostart ? 'up' : 'down')) === 'up' || c?.wasRunning)) {
        await Promise.all(service.dependsOn.map((d) => this.runtimes.get(d)?.startDone()));
        await this.waitHealthy(name, service.dependsOn);
      }
      if (this.bootAbort.signal.aborted) {
        cut.notApplied.push(name);
        continue;
      }
      // An added unit whose instance this Clawback started still runs (a daemon killed mid scale-down, a removal while none ran): adopted, never run twice.
      // A service a reload adds (or replaces) boots as at the daemon's start: held while an interrupted update's record is there.
      const hold = await this.updateHoldOf(service);
      const rt = this.addRuntime(service, c?.saved ?? (diff.added.some((a) => a.name === name) ? this.liveRecord(name) : undefined));
      const booted = rt.boot(hold);
      handOvers.get(name)?.to(rt);
      await booted;
      if (c?.wasRunning) await rt.request('start', 'human');
    }
    const notHealthy: string[] = [];
    // A group whose replaced instance is not healthy, or whose other instances are down, stops its rollout: the rest
    // keep their previous settings (and stay "changed" for the next reload), so a broken release never takes them all.
    const kept: string[] = [];
    const stopped = new Set<string>();
    const timeoutMs = opts.instanceTimeoutMs ?? ROLLOUT_INSTANCE_TIMEOUT_MS;
    for (const name of rolloutOrder(rolling.map((s) => s.name), this.runtimes)) {
      if (this.bootAbort.signal.aborted) {
        cut.notApplied.push(name);
        continue;
      }
      const s = rolling.find((x) => x.name === name)!;
      const group = parseInstanceName(name)!.group;
      const down = stopped.has(group) ? [] : await peersDown(name, this.runtimes, this.ctx.clock, timeoutMs, this.bootAbort.signal);
      if (this.bootAbort.signal.aborted) {
        cut.notApplied.push(name);
        continue;
      }
      if (stopped.has(group) || down.length > 0) {
        stopped.add(group);
        kept.push(name);
        continue;
      }
      const oldPid = this.runtimes.get(name)?.status().pid ?? null;
      await this.removeRuntime(name, handOvers.get(name)?.next);
      const c = carry(name);
      const hold = await this.updateHoldOf(s);
      const rt = this.addRuntime(s, c?.saved);
      const booted = rt.boot(hold);
      handOvers.get(name)?.to(rt);
      await booted;
      if (c?.wasRunning) await rt.request('start', 'human');
      // One stopped by a person stays stopped: nothing to wait for.
      if (rt.persisted().desired === 'up' && !(await waitHealthyAgain(rt, oldPid, this.ctx.clock, timeoutMs, this.bootAbort.signal))) {
        if (this.bootAbort.signal.aborted) {
          cut.while = name;
          continue;
        }
        notHealthy.push(name);
        stopped.add(group);
      }
    }
    // Instances the rollout did not reach run their previous settings: said so, and replaced by the next reload.
    const notRolled = [...kept, ...cut.notApplied.filter((n) => rolling.some((s) => s.name === n))];
    if (notRolled.length > 0) this.ctx.config = { ...next, services: next.services.map((s) => (notRolled.includes(s.name) ? (previous.get(s.name) ?? s) : s)) };
    this.persist();
    return { ...diff, ...(retuned.length > 0 ? { retuned: retuned.map((s) => s.name) } : {}), ...(waitedForStop.length > 0 ? { waitedForStop } : {}), ...(notHealthy.length > 0 ? { notHealthy } : {}), ...(kept.length > 0 ? { kept } : {}), ...(cut.while || cut.notApplied.length > 0 ? { cutShort: cut } : {}) };
  }

  /**
   * A new runtime (the new probes, policy...) takes over the old one's running instance and its whole state. A stop under
   * way (a restart's) ends under the runtime that ordered it (one owner): resolves to how long that was waited for (ms).
   */
  private async retune(service: ServiceConfig): Promise<number | undefined> {
    const old = this.runtimes.get(service.name);
    if (!old) return undefined;
    const instance = old.current();
    const stopping = old.status().state === 'stopping' ? this.ctx.clock.monotonic() : undefined;
    // A request under way on the old runtime (a restart whose stop runs) is answered by the new one, which finishes it.
    let handTo: (rt: ServiceRuntime | undefined) => void = () => undefined;
    const handedTo = new Promise<ServiceRuntime | undefined>((resolve) => (handTo = resolve));
    let rt: ServiceRuntime | undefined;
    let booted: Promise<void>;
    let waited: number | undefined;
    const hold = await this.updateHoldOf(service);
    try {
      // Released, not stopped: the reducer's shutdown keeps the instance, its counters and incident in the state.
      await old.dispose({ stopService: false, handedTo });
      if (stopping !== undefined) waited = Math.round(this.ctx.clock.monotonic() - stopping);
      const { incident, ...record } = old.persisted();
      this.runtimes.delete(service.name);
      this.statusExtras.delete(service.name);
      rt = this.addRuntime(service, { record, incident });
      // Handed over once its boot has decided (the start it carries on is under way): the answer waits for that start.
      booted = rt.boot({ ...(instance ? { instance } : {}), ...hold });
    } finally {
      handTo(rt);
    }
    await booted;
    return waited;
  }

  /** The state kept for a unit that is not running here, when its recorded instance (started by this Clawback) still runs. */
  liveRecord(name: string): DaemonState['services'][string] | undefined {
    if (this.runtimes.has(name)) return undefined;
    const saved = this.state.services[name];
    const inst = saved?.record?.instance;
    return inst && isSameProcess(inst.pid, inst.pidStartTime) ? saved : undefined;
  }

  /** `handedTo`: the service is replaced, not removed; resolves to its new runtime once built. */
  private async removeRuntime(name: string, handedTo?: Promise<ServiceRuntime | undefined>): Promise<void> {
    const rt = this.runtimes.get(name);
    if (!rt) return;
    await rt.dispose({ stopService: true, removed: true, ...(handedTo ? { handedTo } : {}) });
    this.statusExtras.delete(name);
    // A replaced one stays listed until its replacement takes its place: while the reload waited (its dependencies'
    // health, up to 60 s) the service was missing from the status and `clawback start web` said "no service named web".
    if (handedTo) return;
    this.runtimes.delete(name);
    delete this.state.services[name];
  }

  /**
   * A second stop request while stop() waits out stop graces (a second Ctrl-C or SIGTERM): each service's reducer cuts
   * its stop under way short (SIGKILL of its process group). Returns the services it cut short, for the person to read.
   */
  stopNow(): Array<{ name: string; pid: number; graceMs: number }> {
    this.bootAbort.abort();
    const cut: Array<{ name: string; pid: number; graceMs: number }> = [];
    for (const rt of this.runtimes.values()) {
      const r = rt.stopNow();
      if (r) cut.push({ name: rt.name, ...r });
    }
    return cut;
  }

  /**
   * Stops everything; with stopServices false the services keep running for the next daemon to adopt.
   * Never rejects: each step is guarded, a failing step (a full disk, a plugin) is logged and the rest still run,
   * so a service is never left running unsupervised unless stopServices is false.
   */
  /** stoppedOnPurpose (default: stopServices) writes daemon.stopped, so the guardian does not start the daemon again. */
  /** yielded: another daemon holds daemon.lock now; state.json is its to write, so this one's view is not saved over it. */
  stop(opts: { stopServices: boolean; stoppedOnPurpose?: boolean; yielded?: boolean } = { stopServices: true }): Promise<void> {
    this.stopping ??= (async () => {
      const step = async (name: string, fn: () => unknown): Promise<void> => {
        try {
          await fn();
        } catch (err) {
          this.log('error', { err, step: name }, `shutdown: ${name} failed: ${err instanceof Error ? err.message : String(err)}; continuing`);
        }
      };
      this.bootAbort.abort();
      const onPurpose = opts.stoppedOnPurpose ?? opts.stopServices;
      const bootId = onPurpose ? currentBootId() : undefined;
      this.stoppingSince = { since: this.ctx.clock.now(), boundMs: daemonStopTimeoutSec(this.ctx.config.services) * 1000, onPurpose, ...(bootId ? { bootId } : {}) };
      // Yielded: daemon.json is the other daemon's now; our beats would overwrite it with a daemon going away.
      if (opts.yielded) await step('stopping the heartbeat', () => this.heartbeat?.stop());
      else await step('saying the stop in daemon.json', () => this.heartbeat?.beat());
      // A start under way: what it waits for (a preflight's validator) ends now; a start that failed left nothing to stop.
      for (const rt of this.runtimes.values()) rt.cancelStart();
      if (this.starting && (await this.starting.then(() => false, () => true))) return;
      await step('waiting for a reload or scale in progress', () => this.setChain);
      this.pendingTimer?.cancel();
      this.stateRetry?.cancel();
      this.stateRetry = undefined;
      await step('waiting for start-up', () => this.booting);
      // Wave by wave, each wave at once: one at a time, the services not yet reached stayed supervised (a failing
      // probe restarted them minutes after the SIGTERM) and 1000 services took 1000 stop round trips.
      for (const wave of stopWaves(this.ctx.config.services)) {
        await Promise.all(
          wave.map((name) => step(`${opts.stopServices ? 'stopping' : 'releasing'} ${name}`, () => this.runtimes.get(name)!.dispose({ stopService: opts.stopServices }))),
        );
      }
      if (!opts.yielded) await step('saving state', () => {
        this.persistTimer?.cancel();
        this.persistTimer = undefined;
        this.persistQueued = false;
        if (!this.writeStateNow()) throw new Error(`state.json not saved: ${this.faults.status().degraded.find((d) => d.reason === 'state-write')?.lastError ?? 'unknown error'}`);
      });
      // The guardian's last queued events, and a held end its pass (still running) would now never tell: said before the stop.
      // Yielded: the queue is the daemon's that holds daemon.lock now.
      if (!opts.yielded) await step('draining the guardian queue', () => this.drainPendingOnce(true));
      this.ctx.emit({
        type: 'daemon.stopped',
        time: this.ctx.clock.now(),
        severity: 'info',
        message: opts.stopServices ? 'clawback stopped; services stopped' : opts.yielded ? 'clawback stopped; services left running for the daemon holding daemon.lock' : 'clawback stopped; services left running for the next daemon',
        details: { stopServices: opts.stopServices },
      });
      for (const h of this.hooks) await step('stopping a plugin', () => h.stop?.());
      await step('stopping the heartbeat', () => this.heartbeat?.stop());
      await step('closing the API', () => this.api?.close());
      await step('removing daemon.json', () => removeDaemonInfo(this.ctx.stateDir, process.pid));
      if (opts.stoppedOnPurpose ?? opts.stopServices) await step(`writing ${STOPPED_MARKER}`, () => writeStoppedMarker(this.ctx.stateDir, this.ctx.clock.now()));
      await step('closing the journal', () => {
        const left = this.journal?.close();
        this.journalFaults?.cancel();
        if (left && left.buffered + left.dropped > 0) throw new Error(`${left.buffered} journal line(s) could not be written and ${left.dropped} were dropped`);
      });
      await step('releasing the daemon lock', () => this.releaseLock());
    })();
    return this.stopping;
  }
}

export async function createDaemon(opts: DaemonOptions = {}): Promise<Daemon> {
  const clock = latenessRecordingClock(opts.clock ?? systemClock());
  const say = opts.say ?? (() => undefined);
  const { file, stateDir: stateDirOpt, cwd, env } = opts;
  const loaded = await (opts.loaded ?? loadConfigIsolated({ file, stateDir: stateDirOpt, cwd, env }, { warn: (m) => say(`warning: ${m}`) }));
  const { stateDir } = loaded;
  // A file in logs/' place refused the whole start (mkdir EEXIST): moved aside, kept, named in the journal below.
  let logsMovedTo: string | undefined;
  try {
    logsMovedTo = moveAsideNonDir(path.join(stateDir, 'logs'), clock.now());
  } catch {
    // not movable: the mkdir below says why
  }
  if (logsMovedTo) say(`warning: ${logsNotDirText(stateDir, logsMovedTo)}`);
  for (const dir of [stateDir, path.join(stateDir, 'logs')]) {
    const warning = ensurePrivateDir(dir);
    if (warning) say(`warning: ${warning}`);
  }
  if (!loaded.file) prepareDemoConfig(stateDir);

  // Taken before anything else is read or started: a second daemon starting at the same instant stops here.
  const early = opts.earlyLock?.lock.kind === 'held' ? opts.earlyLock : undefined;
  const keepEarly = early !== undefined && realOrSame(early.stateDir) === realOrSame(stateDir);
  if (early && !keepEarly && early.lock.kind === 'held') await early.lock.release().catch(() => undefined);
  const lock = keepEarly ? early.lock : await takeDaemonLock(stateDir, clock);
  if (lock.kind === 'busy') {
    throw new DaemonAlreadyRunning(
      lock.pid !== null
        ? `a clawback daemon is already running for ${stateDir} (pid ${lock.pid}, holding ${path.join(stateDir, 'daemon.lock')})`
        : `a clawback daemon is starting for ${stateDir} (its ${path.join(stateDir, 'daemon.lock')} is being written; a lock left unreadable is taken over after 10 s)`,
    );
  }
  const releaseStateLock = lock.kind === 'held' ? lock.release : async () => undefined;
  const checkLock = lock.kind === 'held' ? lock.check : undefined;
  const takeLock = lock.kind === 'unavailable' ? () => takeDaemonLock(stateDir, clock) : undefined;
  // The guardian looked for daemon.stopped before it started us; a stop that landed since (a person's Ctrl-C of a daemon
  // they ran meanwhile, a `systemctl stop`) wrote it before letting go of the lock: honoured here, never undone by start().
  if (opts.startedByGuardian && stoppedOnPurposeNow(stateDir, STOPPED_MARKER)) {
    await releaseStateLock().catch(() => undefined);
    throw new StoppedMeanwhile(`the daemon was stopped on purpose (${path.join(stateDir, STOPPED_MARKER)}) after the guardian decided to start it: not started, the stop is kept`);
  }
  // One daemon per config file too: after its stateDir changed, a second daemon would run the same services again.
  const claim: ClaimResult = loaded.file ? await takeConfigClaim(loaded.file, stateDir, clock) : { kind: 'unavailable' };
  if (claim.kind === 'unavailable' && claim.problem) say(`warning: ${claim.problem}`);
  if (claim.kind === 'busy') {
    await releaseStateLock().catch(() => undefined);
    const other = claim.claim;
    // The same state dir (its daemon.lock unavailable, a full disk): the daemon already running for it, said as such.
    if (other && realOrSame(other.stateDir) === realOrSame(stateDir)) {
      throw new DaemonAlreadyRunning(`a clawback daemon is already running for ${stateDir} (pid ${other.pid}, which supervises the services of ${loaded.file})`);
    }
    throw new DaemonAlreadyRunning(
      `a clawback daemon${other ? ` (pid ${other.pid}, state dir ${other.stateDir})` : ''} already supervises the services of ${loaded.file}; ` +
        `a second one would run them twice. If the file's stateDir changed, put it back and \`clawback reload\`, or stop that daemon first ` +
        `(kill -TERM ${other?.pid ?? '<pid>'}; it stops its services) and then run this one`,
    );
  }
  const releaseLock = async (): Promise<void> => {
    if (claim.kind === 'held') await claim.release().catch(() => undefined);
    await releaseStateLock();
  };
  try {
    return await buildDaemon(opts, loaded, clock, say, releaseLock, lock.kind === 'unavailable' ? lock.error : undefined, checkLock, logsMovedTo, lock.kind === 'held' ? lock.movedAside : undefined, takeLock);
  } catch (err) {
    await releaseLock().catch(() => undefined);
    throw err;
  }
}

function logsNotDirText(stateDir: string, keptAs: string): string {
  return `${path.join(stateDir, 'logs')} was not a directory: moved aside to ${keptAs} (kept as evidence) and made again`;
}

async function buildDaemon(
  opts: DaemonOptions,
  loaded: LoadedConfig,
  clock: ReturnType<typeof latenessRecordingClock>,
  say: (line: string) => void,
  releaseLock: () => Promise<void>,
  lockError: Error | undefined,
  checkLock?: () => Promise<DaemonLockCheck>,
  logsMovedTo?: string,
  lockMovedAside?: string,
  takeLock?: () => Promise<DaemonLockResult>,
): Promise<Daemon> {
  const { config, stateDir } = loaded;
  // daemon.lock may be unavailable (a full disk): a live daemon's daemon.json, or its alive marker, still keeps us out.
  // A record without a start time naming a live pid: a reused pid (after a reboot) is no daemon and keeps nobody out.
  const previous = await readDaemonPresence(stateDir, (pid, start, startedAt) => pid !== process.pid && recordedDaemonLives(pid, start, startedAt));
  if (previous.info && previous.info.pid !== process.pid && recordedDaemonLives(previous.info.pid, previous.info.pidStartTime, previous.info.startedAt)) {
    const where = previous.marker ? `its daemon.json could not be written; ${path.join(stateDir, previous.marker)} says so` : `API ${previous.info.api.host}:${previous.info.api.port}`;
    throw new DaemonAlreadyRunning(`a clawback daemon is already running for ${stateDir} (pid ${previous.info.pid}, ${where})`);
  }

  const redactor = await learnServiceSecrets(new Redactor(), config);
  const tokenMoved: string[] = [];
  redactor.addSecret(ensureToken(stateDir, undefined, (line) => tokenMoved.push(line)));

  // Just after a rotation only journal.jsonl.1 exists: history all the same.
  const journalExisted = existsSync(path.join(stateDir, 'journal.jsonl')) || existsSync(path.join(stateDir, 'journal.jsonl.1'));
  // A subscriber that throws (a notifier's or a plugin's bug) lost its event in silence: said in daemon.log and on
  // stderr at its first failure and every 100th, the other subscribers and supervision go on.
  const bus = new EventBus((err, e, n) => {
    if (n === 1 || n % 100 === 0) log('error', { err }, `an event subscriber (a notifier, a plugin) threw on ${String(e?.type)}: ${(err as Error)?.message ?? String(err)} (${n} failure(s) so far); that event may be missing from its alerts or metrics, the other subscribers got it and supervision continues`);
  });
  // Held until the plugins (notifier, metrics, log) have subscribed: "state file was corrupt" must reach them too.
  const early = earlyEvents(bus);
  const emit = (e: ClawbackEvent): void => early.emit(e);
  const log = faultLog({ stateDir, redactor, clock });
  const faults = new DaemonFaults({ clock, emit, log, stateDir });
  // Near the fd limit appends fail and work by turns: degraded at the first failure, recovered after a quiet period.
  const journalFaults = quietRecovery(faults, 'journal-write', clock);
  const journal = new JournalWriter(path.join(stateDir, 'journal.jsonl'), {
    clock,
    onFault: (err) => journalFaults.failed(err),
    onRecovered: (facts) => journalFaults.recovered({ 'journal lines written late': facts.flushed, 'journal lines dropped': facts.dropped }),
    now: () => clock.now(),
    onMovedAside: ({ was, keptAs }) => {
      const message = `${path.join(stateDir, 'journal.jsonl')} was ${was}, not a regular file: moved aside to ${keptAs} (kept as evidence) so the journal could be written`;
      log('warn', {}, message);
      emit({ type: 'daemon.fault', time: clock.now(), severity: 'warning', message, details: { effect: 'journal-write', error: `${was} in its place, moved aside to ${keptAs}` } });
    },
  });
  bus.subscribe((e) => journal.append(redactor.redactDeep(e)));
  const bootAtStart = clock.sinceBoot?.();
  const ctx: DaemonContext = {
    config,
    configFile: loaded.file,
    stateDir,
    clock,
    bus,
    redactor,
    emit,
    loopLag: () => clock.worstLateMs(),
    takePause: (minMs) => clock.takePause(minMs),
    ...(bootAtStart !== undefined ? { wallAnchor: { wall: clock.now(), boot: bootAtStart } } : {}),
  };

  // Noted before the reads that can kill a start (a state file parsed past the heap): a loop of such deaths is counted.
  const startNote = noteStartAttempt(stateDir, process.pid, () => clock.now());
  const loop = startNote.previous && startNote.previous.count >= START_LOOP_ATTEMPTS ? startNote.previous : undefined;
  startNote.phase('reading state.json');
  const store = new StateStore(stateDir, () => clock.now());
  // After that many deaths, the files start-up reads whole are the suspects: kept aside unread, the start uses defaults.
  // The suspect is the file the deaths were reading: a loop that died later read it whole already, and it is kept.
  const suspect = loop !== undefined && (loop.phase === 'starting' || loop.phase === 'reading state.json');
  const loadedState = suspect ? store.setAside() : store.load();
  startNote.phase(SCALE_PHASE);
  const scaleMaxBytes = scaleReadLimit();
  const scaleAside = loop?.phase === SCALE_PHASE ? keepCorruptScaleFile(stateDir, clock.now(), { maxBytes: 0 }) : undefined;
  let loopEvent: ClawbackEvent | undefined;
  if (loop) {
    const kept = scaleAside
      ? `${SCALE_FILE} moved aside unread as ${scaleAside} (the config file's instance counts apply)`
      : !suspect
        ? `state.json kept (those starts read it and died later, ${loop.phase})`
        : loadedState.corruptMovedTo
          ? `state.json (${loadedState.suspectBytes} bytes) moved aside unread as ${loadedState.corruptMovedTo}`
          : 'no state.json to move aside';
    const message =
      `the last ${loop.count} starts of this clawback daemon ended before it started (the latest, pid ${loop.pid} at ${new Date(loop.at).toISOString()}, died while ${loop.phase}; ` +
      `killed, out of memory or crashed, with nothing journaled) while the services ran unsupervised: starting the safe way: ${kept}; ${suspect ? 'started with default state' : scaleAside ? 'started with the config file\'s counts' : 'starting as usual'}. ` +
      `Look at what it reads at start (the state dir's files, --max-old-space-size) before restoring the file`;
    process.stderr.write(`clawback: ${message}\n`);
    say(`WARNING: ${message}`);
    loopEvent = { type: 'daemon.died', time: clock.now(), severity: 'critical', message, details: { startLoop: true, attempts: loop.count, pid: loop.pid, lastAttemptAt: loop.at, phase: loop.phase, note: START_ATTEMPTS_FILE, ...(suspect && loadedState.corruptMovedTo ? { movedTo: loadedState.corruptMovedTo } : {}), ...(scaleAside ? { movedTo: scaleAside } : {}) } };
    emit(loopEvent);
  }
  // A reset history is shown in the status (moved aside, and where) until acknowledged: the journal alone was not read.
  let historyLost: ClawbackEvent | undefined;
  if (loop && suspect) {
    // said above, with the file moved aside
  } else if (loadedState.corruptMovedTo) {
    const what =
      loadedState.notRegular !== undefined
        ? `state file was ${loadedState.notRegular}, not a regular file`
        : loadedState.tooLarge !== undefined
          ? loadedState.maxBytes !== undefined && loadedState.maxBytes < STATE_MAX_BYTES
            ? `state file was ${loadedState.tooLarge} bytes, over the ${loadedState.maxBytes} bytes this daemon's small heap can parse (1/${WHOLE_READ_HEAP_FACTOR} of the heap left under its --max-old-space-size limit; not read)`
            : `state file was ${loadedState.tooLarge} bytes, over the ${STATE_MAX_BYTES} bytes a state file takes at most (not read)`
          : loadedState.newerVersion === undefined
        ? 'state file was corrupt'
        : `state file was written by a newer Clawback (state version ${loadedState.newerVersion}; this one reads version 1: was Clawback downgraded?)`;
    say(`warning: ${what}; kept it as ${loadedState.corruptMovedTo} and started with fresh state`);
    historyLost = { type: 'daemon.history-lost', time: clock.now(), severity: 'warning', message: `${what}; moved aside to ${loadedState.corruptMovedTo}; restart counters and held incidents start over`, details: { movedTo: loadedState.corruptMovedTo } };
    emit(historyLost);
  } else if (loadedState.misshapen) {
    const { problems, keptAs } = loadedState.misshapen;
    const list = problems.map((p) => `${p.field} was ${p.value} (expected ${p.expected})`).join('; ');
    const message = `state file had fields of the wrong shape, started from their defaults: ${list}; the file as read is kept as ${keptAs}`;
    say(`warning: ${message}`);
    historyLost = { type: 'daemon.history-lost', time: clock.now(), severity: 'warning', message, details: { keptAs, fields: problems.map((p) => p.field) } };
    emit(historyLost);
  } else if (loadedState.fresh && !journalExisted) {
    emit({ type: 'daemon.history-lost', time: clock.now(), severity: 'info', message: 'no previous state or journal in the state directory (first start, or it was deleted): history starts now', details: { stateDir } });
  }

  // daemon.json left behind by a daemon that is gone: it ended without its shutdown, and nothing said so yet.
  let heldEnd: HeldEnd | undefined;
  const died = await previousDaemonEnd(stateDir, { previous: previous.info, now: clock.now(), bootAt: lastBootAt(clock), startedByGuardian: opts.startedByGuardian === true, hold: (h) => (heldEnd = h) });
  if (died) {
    say(`warning: ${died.message}`);
    emit(died);
  }

  // A drill SIGKILLed mid-fault left a user's file as it broke it: its backup beside the state dir goes back now.
  for (const line of recoverAbandonedGuards(drillBackupRoots(stateDir))) {
    say(`warning: ${line}`);
    emit({ type: 'daemon.fault', time: clock.now(), severity: 'warning', message: line, details: { effect: 'drill-leftover' } });
  }

  // The config was expanded with the file's counts (an unreadable scale.json holds none): say so, keep the evidence.
  try {
    const aside = keepCorruptScaleFile(stateDir, clock.now(), { maxBytes: scaleMaxBytes });
    startNote.phase('preparing the services');
    if (aside) {
      const size = statSync(aside).size;
      const message = `${SCALE_FILE} was ${size > scaleMaxBytes ? `${size} bytes, over the ${scaleMaxBytes} bytes this daemon reads whole (not read)` : 'unreadable'}; kept it as ${aside}: the config file's instance counts apply (set the lost ones again with clawback scale)`;
      say(`warning: ${message}`);
      emit({ type: 'daemon.fault', time: clock.now(), severity: 'warning', message, details: { effect: 'scale-file', error: `unreadable, moved aside to ${aside}` } });
    }
  } catch (err) {
    emit({ type: 'daemon.fault', time: clock.now(), severity: 'warning', message: `${SCALE_FILE} is unreadable and could not be moved aside: ${(err as Error).message}`, details: { effect: 'scale-file', error: (err as Error).message } });
  }

  adoptUnrecorded(config.services, loadedState.state, stateDir, clock.now(), say, emit);
  reportRemovedButRunning(config.services, loadedState.state, clock.now(), say, emit);

  // Clusters: loaded only when configured (the etcd client costs memory a single machine does not need).
  const cluster = config.cluster
    ? await (await import('../cluster/cluster-plugin.js')).createCluster({ config, cluster: config.cluster, stateDir, clock, emit })
    : undefined;
  const daemonOpts = cluster ? { ...opts, plugins: [...(opts.plugins ?? []), cluster.plugin] } : opts;
  if (logsMovedTo) emit({ type: 'daemon.fault', time: clock.now(), severity: 'warning', message: logsNotDirText(stateDir, logsMovedTo), details: { effect: 'logs-dir', error: `not a directory, moved aside to ${logsMovedTo}` } });
  for (const line of tokenMoved) {
    say(`warning: ${line}`);
    emit({ type: 'daemon.fault', time: clock.now(), severity: 'warning', message: line, details: { effect: 'api-token', error: 'not a regular file, moved aside' } });
  }
  if (lockMovedAside) {
    say(`warning: ${lockMovedAside}`);
    emit({ type: 'daemon.fault', time: clock.now(), severity: 'warning', message: lockMovedAside, details: { effect: 'daemon-lock', error: 'not a regular file, moved aside' } });
  }
  // Degraded, not refused: on a full or read-only disk the daemon still supervises, a second daemon kept out by
  // daemon.json alone; status says so until the heartbeat's retry takes the lock (lock-watch.ts).
  if (lockError) faults.failed('daemon-lock', lockNotTaken(path.join(stateDir, 'daemon.lock'), lockError));
  const daemon = new Daemon(ctx, loadedState.state, daemonOpts, { faults, journal, journalFaults, log, releaseLock, startNote, ...(checkLock ? { checkLock } : {}), ...(takeLock ? { takeLock } : {}) }, () => early.release());
  daemon.source = { raw: loaded.raw, declared: loaded.declared, file: loaded.file };
  daemon.previousDied = loopEvent ?? (died?.type === 'daemon.died' ? died : undefined);
  daemon.heldEnd = heldEnd;
  daemon.historyLost = historyLost;
  if (cluster) daemon.clusterDeps = (service) => cluster.runtimeDeps(service);
  for (const service of config.services) daemon.addRuntime(service, loadedState.state.services[service.name]);
  return daemon;
}

/**
 * A service that state.json does not record as running (the file lost, corrupt, or a daemon killed mid-spawn) may still
 * run, started from this state dir: its instance is recorded so the boot adopts it, instead of starting a second copy.
 */
function adoptUnrecorded(services: readonly ServiceConfig[], state: DaemonState, stateDir: string, now: number, say: (line: string) => void, emit: (e: ClawbackEvent) => void): void {
  // A recorded instance that is gone counts as unrecorded too: state.json writes are coalesced, so a daemon killed
  // right after a (re)start may have recorded the instance before it, while the new one runs on.
  const recordedLive = (name: string): boolean => {
    const inst = state.services[name]?.record?.instance;
    return !!inst && isSameProcess(inst.pid, inst.pidStartTime);
  };
  const names = new Set(services.filter((s) => !s.external && !recordedLive(s.name)).map((s) => s.name));
  const scan = findUnrecordedInstances(stateDir, names);
  for (const [name, inst] of scan.found) {
    const saved = state.services[name];
    // Its start is its process's (not this boot: status gave it the daemon's uptime), never later than now.
    const startedAt = Math.min(now, startTimeEpochMs(inst.pidStartTime) ?? now);
    state.services[name] = { record: { ...(saved?.record ?? {}), instance: { ...inst, startedAt } } as ServiceRecord, incident: saved?.incident ?? null };
    say(`${name}: state.json did not record its running instance; found pid ${inst.pid}, started from this state dir: adopting it`);
  }
  for (const [name, pids] of scan.others) {
    const message = `${name}: more than one instance started from this state dir runs unrecorded; the oldest (pid ${scan.found.get(name)?.pid}) is adopted, pids ${pids.join(', ')} are left alone: stop them yourself if they are copies`;
    say(`warning: ${message}`);
    emit({ type: 'daemon.history-lost', time: now, severity: 'warning', service: name, message, details: { pids } });
  }
}

/**
 * A service state.json records as running that the config no longer has (scaled down or deleted from the file while no
 * daemon ran): its instance, started by this Clawback, runs on unsupervised and unseen by status. Nothing stops it on its
 * own (only a reload's removal does, through its reducer): it is said at every boot while it runs.
 */
export function removedButRunning(services: readonly ServiceConfig[], state: DaemonState, same: (pid: number, startTime: number | null) => boolean): Array<{ name: string; pid: number }> {
  const names = new Set(services.map((s) => s.name));
  return Object.entries(state.services).flatMap(([name, saved]) => {
    const inst = saved?.record?.instance;
    return !names.has(name) && inst && same(inst.pid, inst.pidStartTime) ? [{ name, pid: inst.pid }] : [];
  });
}

function reportRemovedButRunning(services: readonly ServiceConfig[], state: DaemonState, now: number, say: (line: string) => void, emit: (e: ClawbackEvent) => void): void {
  for (const { name, pid } of removedButRunning(services, state, isSameProcess)) {
    const message = `${name} is no longer in the config, but its instance (pid ${pid}, started by this Clawback) still runs, unsupervised: stop it (kill ${pid}) if it should not run; Clawback does not stop it on its own`;
    say(`warning: ${message}`);
    emit({ type: 'doctor.finding', time: now, severity: 'warning', service: name, message, details: { rule: 'removed-service-running', findingId: `removed-service-running:${name}`, fixable: false, pid } });
  }
}

/** `web:2` carries { group: 'web', instance: 2 } in status; a plain service nothing. */
function instanceLabels(name: string): { group?: string; instance?: number } {
  const p = parseInstanceName(name);
  return p ? { group: p.group, instance: p.instance } : {};
}
