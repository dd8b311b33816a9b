// The agent budget's own record, one small file per service beside state.json: the runs a service spent survive
// state.json moved aside (corrupt, or from a newer Clawback) and the service removed by one reload, re-added by the next.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.js';
import { readRegularFileSync } from '../platform/read-regular.js';

/** <stateDir>/agent-runs/<service>.json: the start times (wall clock, ms) of the service's agent runs. */
export function agentLedgerFile(stateDir: string, service: string): string {
  return path.join(stateDir, 'agent-runs', `${encodeURIComponent(service)}.json`);
}

/** The recorded run times; none when the file is missing or unreadable (then state.json's record is all there is). */
export function readAgentLedger(stateDir: string, service: string): number[] {
  try {
    // Read at the daemon's start: a FIFO in the file's place must not block it (a plain read waits for a writer).
    const v = JSON.parse(readRegularFileSync(agentLedgerFile(stateDir, service)).toString('utf8')) as { runs?: unknown };
    return Array.isArray(v.runs) ? v.runs.filter((t): t is number => typeof t === 'number' && Number.isFinite(t)) : [];
  } catch {
    return [];
  }
}

/** Written (atomically) before each launch: the reducer's run list, which already counts the run about to start. */
export async function writeAgentLedger(stateDir: string, service: string, runs: number[]): Promise<void> {
  const file = agentLedgerFile(stateDir, service);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify({ service, runs })}\n`, { mode: 0o600 });
}

/** Both records of the same runs, each time once, oldest first (bounded: the reducer keeps the window's runs only). */
export function mergeAgentRuns(a: number[], b: number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}
