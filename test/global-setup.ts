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

/** The leaked process with what says where it came from: the test file that ran it (or its daemon), the daemon's state dir. */
function describeLeak(pid: number): string {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    const env = new Map(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)] as const),
    );
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
    const from = ['CLAWBACK_TEST_FILE', 'CLAWBACK_SUPERVISED_BY', 'CLAWBACK_SERVICE', 'CLUSTER_TEST_TAG'].filter((k) => env.has(k)).map((k) => `${k}=${env.get(k)}`);
    return `${pid}: ${cmdline} (parent ${ppid}${from.length ? `; ${from.join(', ')}` : ''})`;
  } catch {
    return String(pid);
  }
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
      const names = leaked.map(describeLeak);
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
