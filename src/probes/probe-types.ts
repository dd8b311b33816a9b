// The contract between probe kinds and the worker that runs them: one check in, one result out.
import type { Clock } from '../platform/clock.js';
import type { ProcessTable } from '../platform/process-table.js';
import type { LogEmptyingCount } from '../observe/log-emptyings.js';

export type ProbeStatus = 'success' | 'failure' | 'unknown';

/** What a probe found, typed so the escalation and doctor can act on it (open-ended for custom findings). */
export type ProbeFinding =
  | 'down'
  | 'hang'
  | 'stopped'
  | 'zombie'
  | 'http-status'
  | 'body-mismatch'
  | 'memory-limit'
  | 'memory-warn'
  | 'config-invalid'
  | 'config-missing'
  | 'log-pattern'
  | 'command-failed'
  | 'command-timeout'
  | (string & {});

export interface ProbeResult {
  /** `unknown` = the probe could not run (its own error); it never leads to a restart by itself. */
  status: ProbeStatus;
  message: string;
  latencyMs?: number;
  finding?: ProbeFinding;
  /** A measured number, e.g. tree RSS in bytes. */
  value?: number;
  details?: Record<string, unknown>;
}

/** The current instance of the service, supplied by the supervisor at each tick. */
export interface ProbeTarget {
  pid: number | undefined;
  /** Epoch ms when this instance started. */
  startedAt: number | undefined;
  logFile?: string;
  /**
   * Size in bytes of logFile when this instance started; the log probe reads from here after an
   * instance change (so start-up errors such as EADDRINUSE are seen). Without it, the log probe
   * starts at the end of the file.
   */
  logStartOffset?: number;
  /**
   * How far the previous instance's output was already read at its exit (log-probe-last-words.ts): the log
   * probe does not report those lines a second time.
   */
  lastWordsReadTo?: number;
  /**
   * The daemon's own emptyings of logFile (log rotation with logs.keep: 0, a flood trim, a full disk), counted live
   * (observe/log-emptyings.ts): a new one since the last tick means the log was emptied in place, whatever bytes now
   * sit at the old position; one under way makes the probe wait a tick.
   */
  logEmptyings?: LogEmptyingCount;
  configFile?: {
    path: string;
    format: 'auto' | 'json' | 'json5' | 'yaml';
    validateCommand?: string[];
  };
  /** The service's own variables (its validator may need them, e.g. HOME or a config-path variable). */
  env?: Record<string, string>;
}

export interface Probe {
  readonly kind: string;
  /** Never rejects in the built-in kinds; resolves promptly once signal aborts. */
  check(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult>;
  /**
   * The same answer, synchronously, for a probe whose check is a few small reads that cannot hang (the
   * memory probe's statm reads): its worker then needs no deadline, abort signal or promise per check.
   */
  checkSync?(target: ProbeTarget): ProbeResult;
  /** Releases what the probe keeps between checks (a kept connection); called when its worker stops. */
  dispose?(): void;
}

/** What a probe factory may be given; every field is optional (the system clock by default). */
export interface ProbeDeps {
  clock?: Clock;
  /** The daemon's one process table, shared by every memory probe (each probe makes its own otherwise). */
  processTable?: ProcessTable;
}

/** Abort reason the worker uses when a check exceeds its timeout (name 'TimeoutError', like AbortSignal.timeout). */
export function probeTimeoutReason(ms: number): Error {
  const err = new Error(`probe timed out after ${ms} ms`);
  err.name = 'TimeoutError';
  return err;
}

/** True when the signal was aborted because the check ran out of time (not because the worker stopped). */
export function abortedByTimeout(signal: AbortSignal): boolean {
  const reason: unknown = signal.reason;
  return signal.aborted && typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError';
}

export function unknownResult(message: string, details?: Record<string, unknown>): ProbeResult {
  return details ? { status: 'unknown', message, details } : { status: 'unknown', message };
}
