// The suite fails on leaked processes: every child a test starts carries a marker, checked at the end.
import { readdirSync, readFileSync } from 'node:fs';

export const LEAK_MARKER = 'CLAWBACK_TEST_CHILD';
/** Identifies this run, so concurrent test runs on one machine never judge each other's children. */
export const RUN_MARKER = 'CLAWBACK_TEST_RUN';

function markedProcesses(runId: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      const vars = env.split('\0');
      if (vars.includes(`${LEAK_MARKER}=1`) && vars.includes(`${RUN_MARKER}=${runId}`)) {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        if (state !== 'Z') found.push(pid);
      }
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return found;
}

export default function setup(): () => Promise<void> {
  const runId = `${process.pid}-${Date.now()}`;
  process.env[RUN_MARKER] = runId;
  return async () => {
    let leaked = markedProcesses(runId);
    for (let i = 0; i < 20 && leaked.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      leaked = markedProcesses(runId);
    }
    if (leaked.length > 0) {
      const names = leaked.map((pid) => {
        try {
          return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`;
        } catch {
          return String(pid);
        }
      });
      for (const pid of leaked) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      throw new Error(`tests leaked ${leaked.length} process(es):\n${names.join('\n')}`);
    }
  };
}
