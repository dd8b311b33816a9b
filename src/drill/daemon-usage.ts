// The daemon's own cost during a chaos run: its CPU and RSS sampled from /proc at a fixed pace (the pid is re-read, a revived daemon is followed).
import type { Clock } from '../platform/clock.js';
import { readProcStat } from '../platform/proc.js';
import type { DaemonSample } from './chaos-result.js';
import { daemonAliveSync } from './daemon-ops.js';

/** Linux USER_HZ; /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

export interface DaemonUsageSampler {
  readonly samples: DaemonSample[];
  stop(): void;
}

export function startDaemonUsage(stateDir: string, clock: Clock, intervalMs: number): DaemonUsageSampler {
  const samples: DaemonSample[] = [];
  let prev: { pid: number; ticks: number; mono: number } | undefined;
  const take = (): void => {
    const info = daemonAliveSync(stateDir);
    const stat = info ? readProcStat(info.pid) : undefined;
    if (!info || !stat) return;
    const mono = clock.monotonic();
    const cpuPct = prev && prev.pid === info.pid && mono > prev.mono ? ((stat.cpuTicks - prev.ticks) / TICKS_PER_SECOND / ((mono - prev.mono) / 1000)) * 100 : null;
    samples.push({ at: clock.now(), pid: info.pid, cpuPct: cpuPct === null ? null : Math.max(0, Math.round(cpuPct * 100) / 100), rssBytes: stat.rssBytes });
    prev = { pid: info.pid, ticks: stat.cpuTicks, mono };
  };
  let timer: { cancel(): void } | undefined;
  let stopped = false;
  const arm = (): void => {
    timer = clock.setTimeout(() => {
      if (stopped) return;
      take();
      arm();
    }, intervalMs);
  };
  take();
  arm();
  return {
    samples,
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
