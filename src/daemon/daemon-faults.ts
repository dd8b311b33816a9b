// The daemon's own faults (full disk, I/O errors on its state, journal or heartbeat): a fault degrades the daemon
// loudly (status, event, log) but never stops supervision; the next successful write of that kind clears it.
import type { Clock } from '../platform/clock.js';
import type { ClawbackEvent } from '../observe/events.js';

/**
 * What kind of write failed (or `heap`: the daemon's own heap near its limit, heap-watch.ts); one degraded reason per kind.
 * `alert-spool`: the notifier's outbox (state/outbox), its alerts then held in memory only.
 * `service-log`: a service's log could not be opened at its start (or its disk was full), its output held in memory (bounded) meanwhile.
 * `spawn-resources`: a service could not be started for want of the daemon's own open files, processes or memory.
 * `probe-resources`: a probe could not run (its socket or command not even made) for want of the same (probe-resources.ts).
 * `daemon-lock`: daemon.lock could not be taken (a full or read-only state dir), retried with the heartbeat (lock-watch.ts).
 */
export type FaultReason = 'state-write' | 'journal-write' | 'heartbeat-write' | 'pending-events' | 'shutdown' | 'heap' | 'alert-spool' | 'service-log' | 'spawn-resources' | 'probe-resources' | 'daemon-lock';

/** Every reason the metrics gauge reports (0 when clear), so an alert rule can rely on the series existing. */
export const FAULT_REASONS: readonly FaultReason[] = ['state-write', 'journal-write', 'heartbeat-write', 'pending-events', 'shutdown', 'heap', 'alert-spool', 'service-log', 'spawn-resources', 'probe-resources', 'daemon-lock'];

/** The error code of a heap fault (heap-watch.ts). */
export const HEAP_FAULT_CODE = 'EHEAPNEAR';

export interface DegradedReason {
  reason: FaultReason;
  /** Epoch ms of the first failure in this run of failures. */
  since: number;
  /** Epoch ms of the latest failure. */
  lastAt: number;
  /** `CODE: message` of the latest failure. */
  lastError: string;
  /** Failures since `since`. */
  count: number;
  /** What a person does about it (faultAdvice of the latest failure): the dashboard's banner said what, never how to fix it. */
  advice?: string;
}

export interface DaemonHealthStatus {
  health: 'ok' | 'degraded';
  degraded: DegradedReason[];
}

export type FaultLogLevel = 'info' | 'warn' | 'error' | 'fatal';
/** Where fault lines go (the daemon log and stderr); must never throw. */
export type FaultLog = (level: FaultLogLevel, fields: Record<string, unknown>, msg: string) => void;

export interface DaemonFaultsDeps {
  clock: Pick<Clock, 'now'>;
  emit: (event: ClawbackEvent) => void;
  log: FaultLog;
  /** Named in the first warning when the error itself names no path (ENOSPC's 'write', EIO's 'fsync'). */
  stateDir?: string;
}

/** Extra facts a recovery can report (e.g. journal lines flushed or dropped while the disk was full). */
export type RecoveryFacts = Record<string, number | string>;

/** `ENOSPC: no space left on device, write` (the code is added when the message lacks it). */
export function describeFault(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** What a person can do about a failed write of the daemon's own files, by error code (pure). */
export function faultAdvice(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'free space (or quota) on its filesystem';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'make it writable for the daemon (chmod, chattr -i, remount rw)';
    case 'ENOENT':
    case 'ENOTDIR':
      return 'it was removed or renamed: it is made again when possible, else re-create it';
    case 'EISDIR':
    case 'ENOTREG':
      return 'move aside what took the file\'s place';
    case 'EMFILE':
    case 'ENFILE':
      return 'raise the daemon\'s open-file limit (LimitNOFILE, ulimit -n)';
    case 'EAGAIN':
      return 'raise the daemon\'s process limit (LimitNPROC, TasksMax, ulimit -u) or end stray processes';
    case 'ENOMEM':
      return 'free memory on the machine (or raise the daemon\'s memory limit)';
    case HEAP_FAULT_CODE:
      return 'raise the daemon\'s heap limit (NODE_OPTIONS=--max-old-space-size=MiB in its service file) or report what grows; it dies of "JavaScript heap out of memory" at the limit';
    default:
      return 'check the disk and the state directory';
  }
}

/** Failures of one reason are logged on the 1st, 10th, 100th... so a full disk does not flood stderr. */
function worthLogging(count: number): boolean {
  return count === 1 || (count >= 10 && /^10*$/.test(String(count)));
}

export class DaemonFaults {
  private readonly reasons = new Map<FaultReason, DegradedReason>();

  constructor(private readonly deps: DaemonFaultsDeps) {}

  /** A write of this kind failed: degrade (announce the first failure), count the rest. Never throws. */
  failed(reason: FaultReason, err: unknown): void {
    const now = this.deps.clock.now();
    const error = describeFault(err);
    const known = this.reasons.get(reason);
    if (known) {
      known.count++;
      known.lastAt = now;
      known.lastError = error;
      known.advice = faultAdvice(err);
      if (worthLogging(known.count)) this.safeLog('warn', { reason, error, count: known.count, since: known.since }, `daemon still degraded: ${reason}: ${error} (${known.count} failures)`);
      return;
    }
    // Registered before announcing: the announcement may itself fail to reach the journal and come back here.
    const entry: DegradedReason = { reason, since: now, lastAt: now, lastError: error, count: 1, advice: faultAdvice(err) };
    this.reasons.set(reason, entry);
    // A heap or resources fault is no file's: naming the state dir would send a person to the disk.
    const dir = reason === 'heap' || reason === 'spawn-resources' || reason === 'probe-resources' ? undefined : this.deps.stateDir;
    const where = dir && !error.includes(dir) ? ` (state dir ${dir})` : '';
    const advice = faultAdvice(err);
    this.safeLog('error', { reason, error, ...(dir ? { stateDir: dir } : {}), advice }, `daemon degraded: ${reason}: ${error}${where}; to fix: ${advice}; supervision continues, retrying`);
    this.safeEmit({
      type: 'daemon.degraded',
      time: now,
      severity: 'critical',
      message: `clawback is degraded: ${reason}: ${error}${where}; to fix: ${advice} (services are still supervised; retrying)`,
      details: { reason, error, advice, ...(dir ? { stateDir: dir } : {}) },
    });
  }

  /**
   * A condition seen again at a periodic check (the heap still high): its figures and time are updated but not counted,
   * since a check is no failed attempt (the banner said "heap ... (300×)" after 10 minutes of checks). Never throws.
   */
  persists(reason: FaultReason, err: unknown): void {
    const known = this.reasons.get(reason);
    if (!known) return this.failed(reason, err);
    known.lastAt = this.deps.clock.now();
    known.lastError = describeFault(err);
    known.advice = faultAdvice(err);
  }

  /** A write of this kind succeeded: clear the reason if it was set. Never throws. */
  ok(reason: FaultReason, facts: RecoveryFacts = {}): void {
    const known = this.reasons.get(reason);
    if (!known) return;
    this.reasons.delete(reason);
    const now = this.deps.clock.now();
    const forMs = now - known.since;
    const extra = Object.entries(facts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    this.safeLog('info', { reason, failures: known.count, degradedMs: forMs, ...facts }, `daemon recovered: ${reason} works again after ${Math.round(forMs / 1000)} s (${known.count} failures)`);
    this.safeEmit({
      type: 'daemon.recovered',
      time: now,
      severity: 'resolved',
      message: `clawback recovered: ${reason} works again after ${Math.round(forMs / 1000)} s (${known.count} failed attempts${extra ? `; ${extra}` : ''}; last error: ${known.lastError})`,
      details: { reason, failures: known.count, degradedMs: forMs, lastError: known.lastError, ...facts },
    });
  }

  isDegraded(reason?: FaultReason): boolean {
    return reason ? this.reasons.has(reason) : this.reasons.size > 0;
  }

  status(): DaemonHealthStatus {
    const degraded = [...this.reasons.values()].map((r) => ({ ...r }));
    return { health: degraded.length > 0 ? 'degraded' : 'ok', degraded };
  }

  private safeLog(level: FaultLogLevel, fields: Record<string, unknown>, msg: string): void {
    try {
      this.deps.log(level, { component: 'daemon-faults', ...fields }, msg);
    } catch {
      // A log sink that throws must not turn a degraded daemon into a dead one.
    }
  }

  private safeEmit(event: ClawbackEvent): void {
    try {
      this.deps.emit(event);
    } catch {
      // The bus already isolates sinks; this guards a custom emit.
    }
  }
}

/** Prometheus text for `clawback_daemon_degraded{reason}` (1 while degraded for that reason, else 0). */
export function renderDegradedGauge(status: DaemonHealthStatus): string {
  const active = new Set(status.degraded.map((d) => d.reason));
  const lines = [
    '# HELP clawback_daemon_degraded 1 while the daemon itself is degraded for this reason (a failing state, journal or heartbeat write, a service log that cannot be written, a start or a probe short of its own descriptors or memory, its heap near the limit, its daemon.lock not taken), else 0.',
    '# TYPE clawback_daemon_degraded gauge',
    ...FAULT_REASONS.map((r) => `clawback_daemon_degraded{reason="${r}"} ${active.has(r) ? 1 : 0}`),
  ];
  return lines.join('\n') + '\n';
}

/** Prometheus text for `clawback_config_last_reload_successful` (0 while the last reload was refused, as Prometheus's own gauge). */
export function renderReloadGauge(failed: { at: number } | undefined): string {
  return [
    '# HELP clawback_config_last_reload_successful 1 unless the last config reload (reload, SIGHUP) was refused or its rollout stopped: the daemon then runs the config it had.',
    '# TYPE clawback_config_last_reload_successful gauge',
    `clawback_config_last_reload_successful ${failed ? 0 : 1}`,
  ].join('\n') + '\n';
}

/** Capped exponential retry delay after `failures` consecutive failures: 1 s, 2 s, 4 s ... 30 s. */
export function faultRetryDelay(failures: number, minMs = 1000, maxMs = 30_000): number {
  return Math.min(maxMs, minMs * 2 ** Math.max(0, Math.min(failures - 1, 20)));
}
