// Stopping a stale instance the polite way: its signal, a grace period, then SIGKILL (of its group when it leads one).
import { isAlive, readProcStat } from '../platform/proc.js';
import type { Clock } from '../platform/clock.js';

export interface StopResult {
  stopped: boolean;
  via: 'already-gone' | 'signal' | 'SIGKILL' | 'failed';
  message: string;
}

export interface StopOptions {
  clock: Clock;
  graceMs: number;
  signal?: NodeJS.Signals;
  /** Poll interval while waiting for the exit. */
  pollMs?: number;
  /** After SIGKILL, how long to wait for the exit before giving up. */
  killWaitMs?: number;
}

function send(pid: number, signal: NodeJS.Signals, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    if (group) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone
      }
    }
  }
}

async function waitGone(pid: number, ms: number, clock: Clock, pollMs: number): Promise<boolean> {
  const rounds = Math.max(1, Math.ceil(ms / pollMs));
  for (let i = 0; i < rounds; i++) {
    if (!isAlive(pid)) return true;
    await clock.sleep(pollMs);
  }
  return !isAlive(pid);
}

export async function stopProcess(pid: number, opts: StopOptions): Promise<StopResult> {
  if (pid === process.pid) return { stopped: false, via: 'failed', message: 'refusing to stop this process itself' };
  if (!isAlive(pid)) return { stopped: true, via: 'already-gone', message: `pid ${pid} was already gone` };
  const signal = opts.signal ?? 'SIGTERM';
  const pollMs = opts.pollMs ?? 50;
  // Signal the whole group only when the pid leads it (a supervised child does); never someone else's group.
  const group = readProcStat(pid)?.pgid === pid;
  send(pid, signal, group);
  if (await waitGone(pid, opts.graceMs, opts.clock, pollMs)) return { stopped: true, via: 'signal', message: `pid ${pid} exited after ${signal}` };
  send(pid, 'SIGKILL', group);
  if (await waitGone(pid, opts.killWaitMs ?? 3_000, opts.clock, pollMs)) {
    return { stopped: true, via: 'SIGKILL', message: `pid ${pid} ignored ${signal} for ${opts.graceMs} ms and was killed with SIGKILL` };
  }
  return { stopped: false, via: 'failed', message: `pid ${pid} is still alive after SIGKILL` };
}
