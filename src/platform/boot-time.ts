// When this machine, or this container, last booted: a container's restart is its boot (its PID 1 starts again)
// while the host's uptime, which os.uptime() and /proc/uptime report inside it too, goes on.
import type { Clock } from './clock.js';
import { hasProcFs, processStartTime, startTimeEpochMs } from './proc.js';

/** Wall time of the last boot on this clock; undefined when the clock cannot tell (no boot clock). */
export function lastBootAt(clock: Pick<Clock, 'now' | 'sinceBoot'>): number | undefined {
  if (!clock.sinceBoot) return undefined;
  const now = clock.now();
  const host = now - clock.sinceBoot();
  // Containers have a /proc (Linux); elsewhere PID 1 starts with the machine, and its start would cost a `ps` per call.
  const init = hasProcFs() ? processStartTime(1) : undefined;
  const initAt = init !== undefined ? startTimeEpochMs(init) : undefined;
  // PID 1 counts only inside [host boot, now]: a clock of another scale (a test's) keeps the host's reading.
  return initAt !== undefined && initAt > host && initAt <= now ? initAt : host;
}
