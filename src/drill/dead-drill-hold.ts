// A drill killed mid-fault (SIGKILL, OOM) cannot lift the hold it caused; the next drill, taking over its lock, lifts it once through the daemon.
import net from 'node:net';
import type { Hold } from '../decide/service-state.js';
import type { ServiceStatus } from '../daemon/service-runtime.js';
import type { LockOwner } from '../platform/file-lock.js';
import { FileLock } from '../platform/file-lock.js';
import { isSameProcess } from '../platform/proc.js';
import { drillLockPath } from './drill-lock.js';
import type { DrillContext } from './drill-context.js';
import { portOf } from './scenario-port-steal.js';

/** The owner of this state directory's drill lock when that drill is dead (its lock is left behind), else undefined. */
export async function deadDrillOf(stateDir: string, sameProcess: (pid: number, startTime: number | null) => boolean = isSameProcess): Promise<LockOwner | undefined> {
  const owner = await new FileLock(drillLockPath(stateDir)).owner();
  return owner && !sameProcess(owner.pid, owner.startTime) ? owner : undefined;
}

/**
 * Whether a hold is one the dead drill left: it began after that drill took its lock and is not a repair in progress
 * (a person's pause is never a hold, and maintenance is checked apart). Pure.
 */
export function holdLeftByDeadDrill(hold: Hold | null, dead: LockOwner | undefined): boolean {
  return hold !== null && dead !== undefined && hold.reason !== 'repair' && hold.since >= dead.acquiredAt;
}

/**
 * The service's open incident (with no hold and no work in flight) began after the dead drill took its lock: that
 * drill's fault, which this drill takes over with the lock, as it does the dead drill's hold.
 */
export function incidentLeftByDeadDrill(s: Pick<ServiceStatus, 'incident' | 'held' | 'work'>, dead: LockOwner | undefined): boolean {
  return dead !== undefined && !s.work && !s.held && !!s.incident && s.incident.openedAt >= dead.acquiredAt;
}

/** When this drill's claim on what it may lift begins: the dead drill's lock time when it took that drill over. */
export function drillClaimSince(now: number, dead: LockOwner | undefined): number {
  return dead ? Math.min(now, dead.acquiredAt) : now;
}

/** True when something accepts connections on host:port (bounded, 1 s). */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (v: boolean): void => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(1000, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * After this drill took over the dead drill's lock (and put back its files): lifts, once, via the daemon's resume, a
 * hold the dead drill left whose fault is gone (a port it held is free again). Never stops or starts anything itself.
 * Returns lines for the report.
 */
export async function liftDeadDrillHold(ctx: DrillContext, dead: LockOwner): Promise<string[]> {
  const name = ctx.target.service.name;
  const s = await ctx.link.service(name);
  if (!s || !holdLeftByDeadDrill(s.held, dead)) return [];
  const hold = s.held!;
  const since = new Date(dead.acquiredAt).toISOString();
  const port = portOf(ctx);
  if (port && hold.detail.includes(`port ${port.port} `) && (await listening(port.host, port.port))) {
    return [`"${name}" is held (${hold.reason}: ${hold.detail}) since a drill (pid ${dead.pid}, started ${since}) was killed, but port ${port.port} is still in use: left held`];
  }
  const r = await ctx.link.action(name, 'resume');
  return [`a drill (pid ${dead.pid}, started ${since}) was killed mid-fault and left "${name}" held (${hold.reason}: ${hold.detail}); its fault is gone: resumed (${r.message})`];
}
