// Stopping a stale instance the polite way: its signal, a grace period, then SIGKILL (of its group when it leads one).
import { isAlive, readProcStat, sameProcess } from '../platform/proc.js';
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
  /** The start time the caller saw when it judged the pid (default: read on entry): a pid that differs is another process. */
  startTime?: number;
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

/** Gone means this process (pid and start time): a pid taken over by a newcomer after the exit is gone too. */
async function waitGone(pid: number, startTime: number, ms: number, clock: Clock, pollMs: number): Promise<boolean> {
  const rounds = Math.max(1, Math.ceil(ms / pollMs));
  for (let i = 0; i < rounds; i++) {
    if (sameProcess(pid, startTime) === 'gone') return true;
    await clock.sleep(pollMs);
  }
  return sameProcess(pid, startTime) === 'gone';
}

export async function stopProcess(pid: number, opts: StopOptions): Promise<StopResult> {
  if (pid === process.pid) return { stopped: false, via: 'failed', message: 'refusing to stop this process itself' };
  const stat = readProcStat(pid);
  const startTime = opts.startTime ?? stat?.startTime;
  if (!stat || startTime === undefined) {
    return isAlive(pid) ? { stopped: false, via: 'failed', message: `pid ${pid} cannot be identified right now (its start time is unreadable); not stopped` } : { stopped: true, via: 'already-gone', message: `pid ${pid} was already gone` };
  }
  if (sameProcess(pid, startTime) === 'gone') return { stopped: true, via: 'already-gone', message: `pid ${pid} was already gone` };
  const signal = opts.signal ?? 'SIGTERM';
  const pollMs = opts.pollMs ?? 50;
  // Signal the whole group only when the pid leads it (a supervised child does); never someone else's group.
  const group = stat.pgid === pid;
  send(pid, signal, group);
  if (await waitGone(pid, startTime, opts.graceMs, opts.clock, pollMs)) return { stopped: true, via: 'signal', message: `pid ${pid} exited after ${signal}` };
  // Checked again right before the SIGKILL: only the process judged, never a newcomer that took its pid.
  const now = sameProcess(pid, startTime);
  if (now === 'gone') return { stopped: true, via: 'signal', message: `pid ${pid} exited after ${signal}` };
  if (now === 'unknown') return { stopped: false, via: 'failed', message: `pid ${pid} outlived ${signal} but its identity cannot be read now; not killed` };
  send(pid, 'SIGKILL', group);
  if (await waitGone(pid, startTime, opts.killWaitMs ?? 3_000, opts.clock, pollMs)) {
    return { stopped: true, via: 'SIGKILL', message: `pid ${pid} ignored ${signal} for ${opts.graceMs} ms and was killed with SIGKILL` };
  }
  return { stopped: false, via: 'failed', message: `pid ${pid} is still alive after SIGKILL` };
}
