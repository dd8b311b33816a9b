// Who is live right now: a `clawback doctor` run next to a running daemon learns its supervised pids, so they are never "stale".
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readDaemonInfo } from '../daemon/daemon-info.js';
import { isSameProcess, readProcStat } from '../platform/proc.js';
import { recordedDaemonLives } from '../daemon/daemon-identity.js';
import type { ServiceConfig } from '../config/schema.js';
import { discoverPid } from '../supervisor/external-process.js';
import { findUnrecordedInstances } from '../daemon/unrecorded-instances.js';
import { realCommandRunner, type CommandRunner } from '../platform/command-runner.js';

export interface LiveSupervision {
  /**
   * The daemon's pid, when daemon.json names a live process that is the same one it recorded (recordedDaemonLives, the
   * rule of the guardian and `run`): without a start time, a reused pid (a `sleep` after a reboot) is no daemon.
   */
  daemonPid?: number;
  /**
   * The service's live instance (the daemon alive or not): the pid state.json records, when it is still that process,
   * else the one a booting daemon would adopt (marked as started from this state dir, see unrecorded-instances.ts).
   */
  servicePid?: number;
  /** Further unrecorded instances beside servicePid (see unrecorded-instances.ts): which one is the copy cannot be told. */
  unrecordedPids?: number[];
  /**
   * What the live daemon's reducer last recorded about the service when it is not running healthy (held, in backoff,
   * stopped, unhealthy): the rules may find no cause, and "healthy" would then be a lie. Absent without a live daemon.
   */
  down?: { phase: string; health?: string; held?: { reason: string; detail: string }; lastExit?: { code: number | null; signal: string | null; uptimeMs: number; startError?: string } };
}

interface StateFileShape {
  services?: Record<
    string,
    {
      record?: {
        instance?: { pid?: unknown; pidStartTime?: unknown } | null;
        phase?: unknown;
        health?: unknown;
        held?: { reason?: unknown; detail?: unknown } | null;
        lastExit?: { code?: unknown; signal?: unknown; uptimeMs?: unknown; startError?: unknown } | null;
      };
    }
  >;
}

/** Reads daemon.json and state.json in the state dir; anything missing, stale or malformed is left out. */
export async function liveSupervision(stateDir: string, service: string): Promise<LiveSupervision> {
  const out: LiveSupervision = {};
  const d = await readDaemonInfo(stateDir);
  if (d.info && recordedDaemonLives(d.info.pid, d.info.pidStartTime, d.info.startedAt)) out.daemonPid = d.info.pid;
  // Read even when the daemon is dead: a killed daemon leaves its services running and the next one adopts them, so the
  // recorded instance (same pid and start time) is still the live one, never a "stale instance" to stop.
  try {
    const state = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as StateFileShape;
    const inst = state.services?.[service]?.record?.instance;
    const pid = inst?.pid;
    const start = inst?.pidStartTime;
    if (typeof pid === 'number' && Number.isInteger(pid) && isSameProcess(pid, typeof start === 'number' ? start : null)) out.servicePid = pid;
    const rec = state.services?.[service]?.record;
    if (out.daemonPid !== undefined && rec && typeof rec.phase === 'string' && (rec.phase !== 'running' || rec.health === 'unhealthy')) {
      const h = rec.held;
      const x = rec.lastExit;
      out.down = {
        phase: rec.phase,
        ...(typeof rec.health === 'string' ? { health: rec.health } : {}),
        ...(h && typeof h.reason === 'string' ? { held: { reason: h.reason, detail: typeof h.detail === 'string' ? h.detail : '' } } : {}),
        ...(x && typeof x.uptimeMs === 'number'
          ? { lastExit: { code: typeof x.code === 'number' ? x.code : null, signal: typeof x.signal === 'string' ? x.signal : null, uptimeMs: x.uptimeMs, ...(typeof x.startError === 'string' ? { startError: x.startError } : {}) } }
          : {}),
      };
    }
  } catch {
    // no state yet: the daemon's descendants still count as live (below)
  }
  // state.json lost, corrupt, or behind (its writes are coalesced): the instance started from this state dir that the
  // next daemon adopts (the same rule as its boot) is the live one, never a "stale instance" for `doctor --fix` to stop.
  if (out.servicePid === undefined) {
    const scan = findUnrecordedInstances(stateDir, new Set([service]));
    const unrecorded = scan.found.get(service);
    if (unrecorded) out.servicePid = unrecorded.pid;
    const others = scan.others.get(service);
    if (others && others.length > 0) out.unrecordedPids = others;
  }
  return out;
}

/**
 * The live instance of a service another manager runs (`external`): the pid its pidCommand or pidFile names. With
 * no daemon running it is still the user's live gateway, never a "stale" or "foreign" port holder.
 */
export async function externalLivePid(service: ServiceConfig, runner: CommandRunner = realCommandRunner()): Promise<number | undefined> {
  if (!service.external) return undefined;
  return discoverPid(service.external, runner).catch(() => undefined);
}

/** True when `ancestor` is pid itself or one of its ancestors (ppid chain, bounded). */
export function descendsFrom(pid: number, ancestor: number): boolean {
  let cur: number | undefined = pid;
  for (let i = 0; i < 64 && cur !== undefined && cur > 1; i++) {
    if (cur === ancestor) return true;
    cur = readProcStat(cur)?.ppid;
  }
  return false;
}
