// A command's descendants that left its process group (a CLI that respawns itself detached, as openclaw's does): a timeout must reach them too.
import { isSameProcess, processStartTime, readProcStat, treeMembers } from './proc.js';

export interface KnownProcess {
  pid: number;
  startTime: number | undefined;
}

/** Descendants of `pid` found now (the root excluded), each with its start time so a reused pid is never hit later. */
export function descendantsOf(pid: number): KnownProcess[] {
  try {
    return treeMembers(pid)
      .filter((p) => p !== pid)
      .map((p) => ({ pid: p, startTime: processStartTime(p) }));
  } catch {
    return [];
  }
}

/** Descendants of a group leader that left its group (a worker in its own session): a group signal misses them. */
export function outsideGroup(leader: number): KnownProcess[] {
  return descendantsOf(leader).filter((p) => readProcStat(p.pid)?.pgid !== leader);
}

/** Signals each process that is still the one recorded (same pid and start time). */
export function signalKnown(procs: readonly KnownProcess[], signal: NodeJS.Signals): void {
  for (const p of procs) {
    if (p.startTime === undefined || !isSameProcess(p.pid, p.startTime)) continue;
    try {
      process.kill(p.pid, signal);
    } catch {
      // gone already
    }
  }
}
