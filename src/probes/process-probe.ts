// The process probe: the instance exists, is not a zombie and is not stopped (SIGSTOP counts as hung).
import { isAlive, readProcStat, type ProcStat } from '../platform/proc.js';
import type { ProbeConfigOf } from './probe-schema.js';
import type { Probe, ProbeResult, ProbeTarget } from './probe-types.js';

/** The verdict on one process state letter (proc(5)): pure, shared with the hang probe. */
export function processStateResult(pid: number, stat: ProcStat | undefined): ProbeResult {
  if (!stat || stat.state === 'X') return { status: 'failure', finding: 'down', message: `pid ${pid} does not exist`, details: { pid } };
  if (stat.state === 'Z') return { status: 'failure', finding: 'zombie', message: `pid ${pid} is a zombie`, details: { pid, state: stat.state } };
  if (stat.state === 'T' || stat.state === 't') {
    return { status: 'failure', finding: 'stopped', message: `pid ${pid} is stopped (state ${stat.state})`, details: { pid, state: stat.state } };
  }
  return { status: 'success', message: `pid ${pid} is running (state ${stat.state})`, details: { pid, state: stat.state } };
}

export function createProcessProbe(_config: ProbeConfigOf<'process'>): Probe {
  return {
    kind: 'process',
    check(target: ProbeTarget): Promise<ProbeResult> {
      if (target.pid === undefined) return Promise.resolve({ status: 'unknown', message: 'no pid for the current instance' });
      const stat = readProcStat(target.pid);
      // No stat of a pid the kernel still has (isAlive): the daemon could not read /proc (out of descriptors). Counted
      // as 'does not exist', every healthy service was restarted into a spawn failing the same way.
      if (!stat && isAlive(target.pid)) {
        return Promise.resolve({ status: 'unknown', message: `cannot read /proc/${target.pid}/stat (clawback out of file descriptors or memory?); pid ${target.pid} exists`, details: { pid: target.pid } });
      }
      return Promise.resolve(processStateResult(target.pid, stat));
    },
  };
}
