// A person's stop of the daemon during a drill (Ctrl-C of `clawback run`, `clawback stop`) ends the drill's waits as an interruption, not a failed trial.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { STOPPED_MARKER, currentBootId, stoppedMarkerAt, stoppedThisBoot } from '../daemon/stopped-marker.js';
import { daemonInfoPath, parseDaemonInfo } from '../daemon/daemon-info.js';
import type { DrillContext } from './drill-context.js';

/**
 * When (epoch ms) a person stopped the daemon of stateDir at or after `since`, or undefined: a stop on purpose under way
 * (daemon.json `stopping.onPurpose`) or done (daemon.stopped of this boot, written at or after since). A SIGKILL, a crash
 * or a shutdown's stop leaves neither. Two small reads; called by the watch below at its own pace, never per poll.
 */
export function personStopSince(stateDir: string, since: number, bootId: string | undefined = currentBootId()): number | undefined {
  const stopping = readOr(daemonInfoPath(stateDir), (t) => parseDaemonInfo(t).info?.stopping);
  if (stopping?.onPurpose && stopping.since >= since) return stopping.since;
  const text = readOr(path.join(stateDir, STOPPED_MARKER), (t) => t);
  if (text === undefined) return undefined;
  const at = stoppedMarkerAt(text);
  return at !== undefined && at >= since && stoppedThisBoot(text, bootId) ? at : undefined;
}

function readOr<T>(file: string, of: (text: string) => T): T | undefined {
  try {
    return of(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** How the report says it. */
export function personStopText(at: number): string {
  return `the daemon was stopped by a person at ${new Date(at).toISOString()}`;
}

export interface DaemonStopWatch {
  /** Aborted once a person's stop is seen (or when `outer` aborts). */
  readonly signal: AbortSignal;
  /** When the person stopped the daemon, once seen. */
  stoppedAt(): number | undefined;
  cancel(): void;
}

/** Looks for a person's stop every intervalMs from `since` on, until cancelled; its signal also follows `outer` (Ctrl-C). */
export function watchDaemonStop(stateDir: string, since: number, outer: AbortSignal | undefined, intervalMs = 500): DaemonStopWatch {
  const own = new AbortController();
  let at: number | undefined;
  const check = (): void => {
    at ??= personStopSince(stateDir, since);
    if (at !== undefined) own.abort();
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  const signal = outer ? AbortSignal.any([outer, own.signal]) : own.signal;
  return {
    signal,
    stoppedAt: () => {
      if (at === undefined && !own.signal.aborted) check();
      return at;
    },
    cancel: () => clearInterval(timer),
  };
}

/**
 * Runs `body` (a drill's trials, a chaos soak's faults) with a context whose signal a person's stop of the daemon also
 * aborts, as Ctrl-C does; `byPerson` says that stop once seen. The watch ends with the body.
 */
export async function underDaemonStopWatch<T>(outer: DrillContext, body: (ctx: DrillContext, byPerson: () => string | undefined) => Promise<T>): Promise<T> {
  const watch = watchDaemonStop(outer.target.stateDir, outer.clock.now(), outer.signal);
  const byPerson = (): string | undefined => {
    const at = watch.stoppedAt();
    return at === undefined ? undefined : personStopText(at);
  };
  try {
    return await body({ ...outer, signal: watch.signal }, byPerson);
  } finally {
    watch.cancel();
  }
}
