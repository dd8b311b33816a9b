// An agent's processes must not outlive its run (a `nohup` server, a `setsid` helper, a whole session a dead daemon left behind):
// each run marks its processes in their environment, and whatever still carries the mark when the run ends is ended.
import type { Clock } from '../platform/clock.js';
import { isSameProcess, pidsWithEnv, processStartTime } from '../platform/proc.js';
import { signalKnown, type KnownProcess } from '../platform/escaped-descendants.js';

/** Set in the environment of every process of a Level 3 CLI run; its value names the run (the incident directory). */
export const AGENT_RUN_ENV = 'CLAWBACK_AGENT_RUN';

/** Live processes whose environment carries the run's mark (Linux /proc; none elsewhere), each with its start time. */
export function markedProcesses(marker: string): KnownProcess[] {
  const out: KnownProcess[] = [];
  for (const pid of pidsWithEnv(AGENT_RUN_ENV, marker)) {
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
