// Instances this state dir's daemon started that state.json no longer records (the file lost or corrupt): adopted, never run twice.
import { commandLine, environOf, pidsWithEnv, readProcStat } from '../platform/proc.js';
import { START_ID_MARKER } from './spawn-spec.js';

export interface UnrecordedInstance {
  pid: number;
  pidStartTime: number;
}

export interface UnrecordedScan {
  /** One marked group leader per service: the instance a previous daemon left running. */
  found: Map<string, UnrecordedInstance>;
  /** Services with more than one such leader: the oldest is in `found`, these others are named, never touched. */
  others: Map<string, number[]>;
}

/** Our own helpers that carry a service's markers and lead their own group: never the instance. */
export const OWN_HELPERS = ['log-redactor.js', 'fence-guard'];
/** Bounds the walk up a candidate's parents. */
const MAX_DEPTH = 64;

/**
 * Group leaders whose environment names one of `names` as supervised from `stateDir` (Linux /proc; none elsewhere).
 * A leader below another marked leader of the same service (a worker that made its own session) is not the instance, nor
 * is one carrying the instance id of an older leader (such a worker whose launcher exited: it is out of the tree).
 */
export function findUnrecordedInstances(stateDir: string, names: ReadonlySet<string>, selfPid = process.pid): UnrecordedScan {
  const out: UnrecordedScan = { found: new Map(), others: new Map() };
  if (names.size === 0) return out;
  const byService = new Map<string, Array<{ pid: number; startTime: number; id: string | undefined }>>();
  for (const pid of pidsWithEnv('CLAWBACK_SUPERVISED_BY', stateDir, selfPid)) {
    const service = environOf(pid, 'CLAWBACK_SERVICE');
    if (service === undefined || !names.has(service)) continue;
    const st = readProcStat(pid);
    if (!st || st.pgid !== pid || st.state === 'Z') continue;
    const cmd = commandLine(pid) ?? '';
    if (OWN_HELPERS.some((h) => cmd.includes(h))) continue;
    const list = byService.get(service) ?? [];
    list.push({ pid, startTime: st.startTime, id: environOf(pid, START_ID_MARKER) });
    byService.set(service, list);
  }
  for (const [service, leaders] of byService) {
    const pids = new Set(leaders.map((l) => l.pid));
    const seen = new Set<string>();
    const tops = leaders
      .filter((l) => !hasAncestorIn(l.pid, pids))
      .sort((a, b) => a.startTime - b.startTime || a.pid - b.pid)
      .filter((l) => l.id === undefined || (!seen.has(l.id) && !!seen.add(l.id)));
    const oldest = tops[0];
    if (!oldest) continue;
    out.found.set(service, { pid: oldest.pid, pidStartTime: oldest.startTime });
    if (tops.length > 1) out.others.set(service, tops.slice(1).map((l) => l.pid));
  }
  return out;
}

/** Whether one of `pid`'s ancestors (bounded walk up the parents) is in `set`. */
export function hasAncestorIn(pid: number, set: ReadonlySet<number>): boolean {
  let p = readProcStat(pid)?.ppid;
  for (let depth = 0; p !== undefined && p > 1 && depth < MAX_DEPTH; depth++) {
    if (set.has(p)) return true;
    p = readProcStat(p)?.ppid;
  }
  return false;
}
