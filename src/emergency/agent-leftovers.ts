// An agent's processes must not outlive its run (a `nohup` server, a `setsid` helper, a whole session a dead daemon left behind):
// each run marks its processes in their environment, and whatever still carries the mark when the run ends is ended.
import type { Clock } from '../platform/clock.js';
import { RTTIME_ROW, runLimitMark } from '../platform/run-limit-mark.js';
import { hasProcFs, isAlive, isSameProcess, pidsWithEnv, pidsWithSoftLimit, processStartTime } from '../platform/proc.js';
import { descendantsOf, signalKnown, type KnownProcess } from '../platform/escaped-descendants.js';

/** Set in the environment of every process of a Level 3 CLI run; its value names the run (the incident directory). */
export const AGENT_RUN_ENV = 'CLAWBACK_AGENT_RUN';

/**
 * The run's second mark, one `env -i` cannot clear: the soft RLIMIT_RTTIME set by the launcher (run-limit-mark.ts),
 * inherited by every process of the run whatever its env or session.
 */
export { runLimitMark };

/** Live processes carrying either of the run's marks (Linux /proc; none elsewhere), each with its start time. */
export function markedProcesses(marker: string): KnownProcess[] {
  const out: KnownProcess[] = [];
  const pids = new Set([...pidsWithEnv(AGENT_RUN_ENV, marker), ...pidsWithSoftLimit(RTTIME_ROW, runLimitMark(marker))]);
  for (const pid of pids) {
    const startTime = processStartTime(pid);
    // A zombie (exited, not reaped yet: the pane's launcher under a late-reaping init) runs nothing: not a leftover.
    if (startTime !== undefined && isAlive(pid)) out.push({ pid, startTime });
  }
  return out;
}

/** How often the run's process tree is looked at, and the most processes it remembers (a fork bomb stays bounded). */
export const DESCENDANT_SCAN_MS = 250;
const MAX_SEEN = 10_000;

/**
 * The run's processes by parentage, a third mark no process can shed: a process that cleared both marks (`env -i`
 * and its RLIMIT_RTTIME raised back with `prlimit`/`setrlimit`) is still a descendant of the run while its parent
 * lives. Every scan adds the descendants of the run's root and of each process seen before (an orphan's children are
 * still found), each with its start time, so a pid reused later is never taken for it.
 */
export class RunDescendants {
  private readonly seen = new Map<string, KnownProcess>();
  /** The root as first seen: once it has ended, its pid may be another process's, whose tree is not the run's. */
  private root: KnownProcess | undefined;

  scan(rootPid: number | undefined): void {
    if (this.root === undefined && rootPid !== undefined) this.root = { pid: rootPid, startTime: processStartTime(rootPid) };
    const root = this.root !== undefined && isSameProcess(this.root.pid, this.root.startTime) ? [this.root.pid] : [];
    // The ended ones are forgotten (nothing to end); each subtree is walked once, from the root or an orphan seen before.
    for (const [k, p] of this.seen) if (!isSameProcess(p.pid, p.startTime)) this.seen.delete(k);
    const walked = new Set<number>();
    for (const r of [...root, ...[...this.seen.values()].map((p) => p.pid)]) {
      if (walked.has(r)) continue;
      walked.add(r);
      for (const p of descendantsOf(r)) {
        walked.add(p.pid);
        if (p.startTime === undefined || this.seen.size >= MAX_SEEN) continue;
        this.seen.set(`${p.pid}:${p.startTime}`, p);
      }
    }
  }

  /** Those seen that still run (same pid, same start time). */
  alive(): KnownProcess[] {
    return [...this.seen.values()].filter((p) => isSameProcess(p.pid, p.startTime));
  }
}

/** Scans the run's tree every DESCENDANT_SCAN_MS until stopped (Linux); stop() scans once more and returns what it saw. */
export function watchDescendants(root: () => number | undefined, clock: Clock): { stop(): Promise<RunDescendants> } {
  const seen = new RunDescendants();
  // Without /proc (macOS) each look would be a `ps` run, blocking, four times a second, and find no descendant anyway.
  if (!hasProcFs()) return { stop: () => Promise.resolve(seen) };
  const done = new AbortController();
  const loop = (async () => {
    while (!done.signal.aborted) {
      seen.scan(root());
      await clock.sleep(DESCENDANT_SCAN_MS, done.signal).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      done.abort();
      await loop;
      seen.scan(root());
      return seen;
    },
  };
}

/**
 * Ends every process of the run that is still alive (marked, or seen in its tree: `also`): SIGTERM, up to graceMs
 * for them to go, then SIGKILL of the ones left (each checked against its start time, so a reused pid is never hit).
 * Returns the pids found.
 */
export async function endAgentLeftovers(marker: string, clock: Clock, graceMs = 2000, also: readonly KnownProcess[] = []): Promise<number[]> {
  const found = markedProcesses(marker);
  for (const p of also) if (p.startTime !== undefined && isSameProcess(p.pid, p.startTime) && !found.some((f) => f.pid === p.pid)) found.push(p);
  if (found.length === 0) return [];
  signalKnown(found, 'SIGTERM');
  const deadline = clock.monotonic() + graceMs;
  const alive = (): KnownProcess[] => found.filter((p) => isSameProcess(p.pid, p.startTime));
  while (alive().length > 0 && clock.monotonic() < deadline) await clock.sleep(50);
  signalKnown(alive(), 'SIGKILL');
  return found.map((p) => p.pid);
}
