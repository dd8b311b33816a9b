// An agent's processes must not outlive its run (a `nohup` server, a `setsid` helper, a whole session a dead daemon left behind):
// each run marks its processes in their environment, and whatever still carries the mark when the run ends is ended.
import { readdirSync, readFileSync } from 'node:fs';
import type { Clock } from '../platform/clock.js';
import { hasProcFs, isSameProcess, processStartTime } from '../platform/proc.js';
import { signalKnown, type KnownProcess } from '../platform/escaped-descendants.js';

/** Set in the environment of every process of a Level 3 CLI run; its value names the run (the incident directory). */
export const AGENT_RUN_ENV = 'CLAWBACK_AGENT_RUN';

/** Live processes whose environment carries the run's mark (Linux /proc; none elsewhere), each with its start time. */
export function markedProcesses(marker: string): KnownProcess[] {
  if (!hasProcFs()) return [];
  const entry = Buffer.from(`${AGENT_RUN_ENV}=${marker}\0`);
  const out: KnownProcess[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 0x30 || c > 0x39) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let env: Buffer;
    try {
      env = readFileSync(`/proc/${name}/environ`);
    } catch {
      continue; // another user's process, or gone meanwhile
    }
    // The variable is one NUL-terminated entry: at the start, or right after a NUL.
    const at = env.indexOf(entry);
    if (at < 0 || (at > 0 && env[at - 1] !== 0)) continue;
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
