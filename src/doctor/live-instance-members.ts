// Which processes are the live supervised instance (its tree, the groups it leads, its start id) or the daemon's own.
import { environOf, processTree, readProcStat } from '../platform/proc.js';
import { START_ID_MARKER } from '../daemon/spawn-spec.js';
import { descendsFrom } from './live-instances.js';
import type { DoctorContext } from './types.js';

/**
 * The live, supervised instance: its process tree, the process groups it leads, and the id of its start (START_ID_MARKER).
 * A worker it started whose own parent exited is out of the tree (reparented) but still in the group, or, started in its
 * own session, in neither; it carries the instance's inherited id: it is part of the live instance, never "a stale
 * instance" to stop.
 */
export function currentInstance(ctx: DoctorContext): { pids: Set<number>; groups: Set<number>; id?: string } {
  if (ctx.currentPid === undefined) return { pids: new Set(), groups: new Set() };
  const tree = processTree(ctx.currentPid);
  const id = environOf(ctx.currentPid, START_ID_MARKER);
  return { pids: new Set(tree.map((s) => s.pid)), groups: new Set(tree.filter((s) => s.pgid === s.pid).map((s) => s.pid)), ...(id ? { id } : {}) };
}

/**
 * A predicate: pid is part of the live instance (tree, group, start id) or something the daemon runs that is not another
 * of its services (named, not hidden: two services on one port, on one state dir). Reads the instance once.
 */
export function liveInstanceMember(ctx: DoctorContext): (pid: number) => boolean {
  const current = currentInstance(ctx);
  const groupOf = (p: number): number | undefined => (current.groups.size > 0 ? readProcStat(p)?.pgid : undefined);
  return (p: number): boolean =>
    current.pids.has(p) ||
    current.groups.has(groupOf(p) ?? -1) ||
    (current.id !== undefined && environOf(p, START_ID_MARKER) === current.id) ||
    (ctx.daemonPid !== undefined && descendsFrom(p, ctx.daemonPid) && ctx.supervisedServiceOf?.(p) === undefined);
}
