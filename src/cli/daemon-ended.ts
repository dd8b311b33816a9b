// Why a request to a daemon failed when the daemon is stopping or has ended: a deliberate stop (SIGTERM, Ctrl-C, SIGUSR2)
// closes the API before daemon.json goes, and `status` in that window said "not responding: read ECONNRESET" (a hang).
import path from 'node:path';
import { readRegularFileSync } from '../platform/read-regular.js';
import { readDaemonInfoSync } from '../daemon/daemon-info.js';
import { STOPPED_MARKER, stoppedMarkerAt } from '../daemon/stopped-marker.js';

/** Connection errors that say the daemon's API socket is closed, not that a live daemon is slow to answer. */
const CLOSED_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/** What the files and the OS say of daemon `pid` after a request to it failed. */
export interface EndFacts {
  pid: number;
  /** The daemon process still runs (same pid and start time). */
  alive: boolean;
  /** daemon.json still names this daemon. */
  infoLeft: boolean;
  /** daemon.stopped was written by this daemon (after it started): stopped on purpose. */
  stoppedOnPurpose: boolean;
  /** The services whose recorded instance (state.json) still runs; undefined when state.json cannot be read. */
  running: string[] | undefined;
}

/** Whether a request's error is one a closed API socket gives (refused, reset). */
export function socketClosed(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && CLOSED_CODES.has(code)) return true;
  const msg = (err as Error | undefined)?.message ?? '';
  return /\b(ECONNREFUSED|ECONNRESET|EPIPE)\b|socket hang up/.test(msg);
}

/** Pure: the sentence for a daemon that is stopping or has ended, or undefined when it still runs as it did (a hang). */
export function endedText(f: EndFacts, closed: boolean): string | undefined {
  const services =
    f.running === undefined
      ? ''
      : f.running.length > 0
        ? `; it left its services running (${f.running.join(', ')})`
        : '; its services are stopped';
  if (f.alive) {
    // Alive, and either its daemon.json is gone (the last steps of its shutdown) or its API socket is closed.
    if (f.infoLeft && !closed) return undefined;
    return `the clawback daemon (pid ${f.pid}) is stopping: it closed its API${f.infoLeft ? '' : ' and removed daemon.json'}${f.running && f.running.length > 0 ? `; its services still running: ${f.running.join(', ')}` : ''}`;
  }
  if (f.stoppedOnPurpose) return `the clawback daemon (pid ${f.pid}) has stopped: it was stopped on purpose (daemon.stopped)${services}`;
  if (!f.infoLeft) return `the clawback daemon (pid ${f.pid}) has stopped and left no daemon.stopped (SIGUSR2, or its service manager's restart): the next daemon adopts its services${services}`;
  return `the clawback daemon (pid ${f.pid}) has ended without its shutdown (a crash or SIGKILL: its daemon.json is left)${services}`;
}

/** Reads the facts of `pid` (started at `startedAt`, epoch ms) in stateDir; `same` tells whether the pid is still that daemon. */
export function readEndFacts(stateDir: string, pid: number, startedAt: number, same: (pid: number) => boolean, sameInstance: (pid: number, startTime: number | null) => boolean): EndFacts {
  const info = readDaemonInfoSync(stateDir).info;
  let stoppedOnPurpose = false;
  try {
    const at = stoppedMarkerAt(readRegularFileSync(path.join(stateDir, STOPPED_MARKER), { maxBytes: 4096 }).toString('utf8'));
    stoppedOnPurpose = at === undefined || at >= startedAt;
  } catch {
    // No marker: not stopped on purpose.
  }
  const running = runningServices(stateDir, sameInstance)?.map((s) => s.name);
  return { pid, alive: same(pid), infoLeft: info?.pid === pid, stoppedOnPurpose, running };
}

/** A service whose recorded instance (state.json) still runs, and its pid. */
export interface RunningService {
  name: string;
  pid: number;
}

/** The services of stateDir whose recorded instance still runs (same pid and start time); undefined when state.json cannot be read. */
export function runningServices(stateDir: string, sameInstance: (pid: number, startTime: number | null) => boolean): RunningService[] | undefined {
  try {
    const state = JSON.parse(readRegularFileSync(path.join(stateDir, 'state.json')).toString('utf8')) as { services?: Record<string, { record?: { instance?: { pid?: unknown; pidStartTime?: unknown } | null } }> };
    const out: RunningService[] = [];
    for (const [name, s] of Object.entries(state.services ?? {})) {
      const inst = s?.record?.instance;
      if (!inst || !Number.isInteger(inst.pid) || (inst.pid as number) <= 0) continue;
      if (sameInstance(inst.pid as number, typeof inst.pidStartTime === 'number' ? inst.pidStartTime : null)) out.push({ name, pid: inst.pid as number });
    }
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Pure: what "not running" adds when the services a daemon left (SIGUSR2, a crash) still run: without it `status` read
 * as if everything were down while the gateway served on. Empty when none is known to run.
 */
export function leftRunningText(running: readonly RunningService[] | undefined): string {
  if (!running || running.length === 0) return '';
  return `; its services still run without a daemon (the next one adopts them): ${running.map((s) => `${s.name} (pid ${s.pid})`).join(', ')}`;
}
