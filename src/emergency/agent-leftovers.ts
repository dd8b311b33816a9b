// An agent's processes must not outlive its run (a `nohup` server, a `setsid` helper, a whole session a dead daemon left behind):
// each run marks its processes in their environment, and whatever still carries the mark when the run ends is ended.
import type { Clock } from '../platform/clock.js';
import { createHash } from 'node:crypto';
import { isSameProcess, pidsWithEnv, pidsWithSoftLimit, processStartTime } from '../platform/proc.js';
import { signalKnown, type KnownProcess } from '../platform/escaped-descendants.js';

/** Set in the environment of every process of a Level 3 CLI run; its value names the run (the incident directory). */
export const AGENT_RUN_ENV = 'CLAWBACK_AGENT_RUN';

/**
 * The run's second mark, one `env -i` cannot clear: the soft RLIMIT_RTTIME (CPU time of real-time-scheduled processes,
 * which agents are not), set by the launcher and inherited by every process of the run whatever its env or session.
 */
export function runLimitMark(marker: string): number {
  return 1_000_000_000 + (parseInt(createHash('sha256').update(marker).digest('hex').slice(0, 12), 16) % 1_000_000_000);
}

/** Where the launcher's `prlimit --rttime` shows in /proc/<pid>/limits. */
const RTTIME_ROW = 'Max realtime timeout';

/** Live processes carrying either of the run's marks (Linux /proc; none elsewhere), each with its start time. */
export function markedProcesses(marker: string): KnownProcess[] {
  const out: KnownProcess[] = [];
  const pids = new Set([...pidsWithEnv(AGENT_RUN_ENV, marker), ...pidsWithSoftLimit(RTTIME_ROW, runLimitMark(marker))]);
  for (const pid of pids) {
    const startTime = processStartTime(pid);
    if (startTime !== undefined) out.push({ pid, startTime });
  }
  return out;
}

/**
 * Ends every process of the run that is still alive: SIGTERM, up to graceMs for them to go, then SIGKILL of the
 * ones left (each checked against its start time, so a reused pid is never hit). Returns the pids found.
 */
export async function endAgentLeftovers(marker: string, clock: Clock, graceMs = 2000): Promise<number[]> {
  const found = markedProcesses(marker);
  if (found.length === 0) return [];
  signalKnown(found, 'SIGTERM');
  const deadline = clock.monotonic() + graceMs;
  const alive = (): KnownProcess[] => found.filter((p) => isSameProcess(p.pid, p.startTime));
  while (alive().length > 0 && clock.monotonic() < deadline) await clock.sleep(50);
  signalKnown(alive(), 'SIGKILL');
  return found.map((p) => p.pid);
}
