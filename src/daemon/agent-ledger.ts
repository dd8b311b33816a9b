// The agent budget's own record, one small file per service beside state.json: the runs a service spent survive
// state.json moved aside (corrupt, or from a newer Clawback) and the service removed by one reload, re-added by the next.

import path from 'node:path';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import { readRegularFileSync } from '../platform/read-regular.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

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

/**
 * Written (atomically) whenever the reducer's run list changes: before a launch (the list already counts the run about to
 * start) and when a run is given back (it waited out a person's repair and never started), so a restart counts no more.
 * Synchronous: the runtime writes it between the reducer's step and the effects, before the run is launched.
 */
export function writeAgentLedger(stateDir: string, service: string, runs: readonly number[]): void {
  const file = agentLedgerFile(stateDir, service);
  mkdirRecursiveSync(path.dirname(file), 0o700);
  writeFileAtomicSync(file, `${JSON.stringify({ service, runs })}\n`, { mode: 0o600 });
}

/** Both records of the same runs, each time once, oldest first (bounded: the reducer keeps the window's runs only). */
export function mergeAgentRuns(a: number[], b: number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}
