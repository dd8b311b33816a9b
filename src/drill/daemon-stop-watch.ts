// A person's stop of the daemon during a drill (Ctrl-C of `clawback run`, `clawback stop`), or of the drilled service, ends the drill's waits as an interruption, not a failed trial.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { STOPPED_MARKER, currentBootId, stoppedMarkerAt, stoppedThisBoot } from '../daemon/stopped-marker.js';
import { daemonInfoPath, parseDaemonInfo } from '../daemon/daemon-info.js';
import type { DrillContext } from './drill-context.js';
import type { ServiceStatus } from '../daemon/service-runtime.js';

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

/**
 * A person's stop of the drilled service itself (`clawback stop NAME`, an update) or maintenance turned on since `since`:
 * the fault would never be healed, so the trial is interrupted, not failed. A service seen down or in maintenance at the
 * watch's first look is not this (the drill refuses it with its own reason); only a change seen later counts.
 */
export function servicePersonStop(s: Pick<ServiceStatus, 'name' | 'desired' | 'maintenance'>, since: number, wasUp: boolean, now: number): string | undefined {
  if (s.maintenance && s.maintenance.since >= since) return `"${s.name}" was put in maintenance by ${s.maintenance.by} at ${new Date(s.maintenance.since).toISOString()}`;
  if (wasUp && s.desired === 'down') return `"${s.name}" was stopped by a person (seen at ${new Date(now).toISOString()})`;
  return undefined;
}

export interface DaemonStopWatch {
  /** Aborted once a person's stop is seen (or when `outer` aborts). */
  readonly signal: AbortSignal;
  /** What the person did, once seen: the daemon stopped, or the drilled service stopped or put in maintenance. */
  stoppedBy(): string | undefined;
  cancel(): void;
}

/** The drilled service, as the watch reads it through the daemon: `look` (undefined while the daemon does not answer). */
export interface ServiceWatch {
  look: () => Promise<Pick<ServiceStatus, 'name' | 'desired' | 'maintenance'> | undefined>;
  now: () => number;
  /** Seen wanted up at the start (the drill's first look): a stop before the watch's own first look counts too. */
  initiallyUp: boolean;
}

/**
 * Looks for a person's stop every intervalMs from `since` on, until cancelled; its signal also follows `outer` (Ctrl-C).
 * With `service`, a person's stop of the drilled service (or maintenance on it) counts too: one status read per interval,
 * never two at once.
 */
export function watchDaemonStop(stateDir: string, since: number, outer: AbortSignal | undefined, intervalMs = 500, service?: ServiceWatch): DaemonStopWatch {
  const own = new AbortController();
  let text: string | undefined;
  let wasUp = service?.initiallyUp ?? false;
  let looking = false;
  const seen = (t: string | undefined): void => {
    if (t === undefined || text !== undefined) return;
    text = t;
    own.abort();
  };
  const checkDaemon = (): void => {
    const at = personStopSince(stateDir, since);
    seen(at === undefined ? undefined : personStopText(at));
  };
  const lookAtService = (): void => {
    if (!service || looking || text !== undefined) return;
    looking = true;
    service
      .look()
      .then((s) => {
        if (!s || text !== undefined) return;
        seen(servicePersonStop(s, since, wasUp, service.now()));
        if (s.desired === 'up') wasUp = true;
      })
      .catch(() => undefined)
      .finally(() => {
        looking = false;
      });
  };
  const timer = setInterval(() => {
    checkDaemon();
    lookAtService();
  }, intervalMs);
  timer.unref();
  const signal = outer ? AbortSignal.any([outer, own.signal]) : own.signal;
  return {
    signal,
    stoppedBy: () => {
      if (text === undefined && !own.signal.aborted) checkDaemon();
      return text;
    },
    cancel: () => clearInterval(timer),
  };
}

/**
 * Runs `body` (a drill's trials, a chaos soak's faults) with a context whose signal a person's stop of the daemon, or of
 * the drilled service, also aborts, as Ctrl-C does; `byPerson` says that stop once seen. The watch ends with the body.
 */
export async function underDaemonStopWatch<T>(outer: DrillContext, body: (ctx: DrillContext, byPerson: () => string | undefined) => Promise<T>): Promise<T> {
  const name = outer.target.service.name;
  const since = outer.clock.now();
  // Looked at once before the trials: a person's stop can land before the watch's first look (a crash noticed and a
  // `clawback stop` sent within half a second), and a stop its looks never saw up was not counted: the wait ran to --timeout.
  const first = await outer.link.service(name).catch(() => undefined);
  const watch = watchDaemonStop(outer.target.stateDir, since, outer.signal, 500, {
    look: () => outer.link.service(name),
    now: () => outer.clock.now(),
    initiallyUp: first?.desired === 'up',
  });
  try {
    return await body({ ...outer, signal: watch.signal }, () => watch.stoppedBy());
  } finally {
    watch.cancel();
  }
}
