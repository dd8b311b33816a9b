// A mark on a run's processes that `env -i` and `setsid` cannot clear (a soft RLIMIT_RTTIME, inherited by every child): shared by the Level 3 agent's launcher and the doctor's command runner.
import { createHash } from 'node:crypto';
import { pidsWithSoftLimit } from './proc.js';

/** Where `prlimit --rttime` shows in /proc/<pid>/limits. */
export const RTTIME_ROW = 'Max realtime timeout';

/**
 * The soft RLIMIT_RTTIME (CPU time of real-time-scheduled processes, which the commands and agents we run are not) that
 * names one run: derived from its marker, so each run's processes are told apart.
 */
export function runLimitMark(marker: string): number {
  return 1_000_000_000 + (parseInt(createHash('sha256').update(marker).digest('hex').slice(0, 12), 16) % 1_000_000_000);
}

/** Live processes of this user carrying the run's limit mark (Linux /proc; none elsewhere). */
export function pidsWithLimitMark(marker: string): number[] {
  return pidsWithSoftLimit(RTTIME_ROW, runLimitMark(marker));
}

/** argv that runs `argv` with the run's limit mark set (`prlimit` sets it, then execs the command: same pid, no shell). */
export function limitMarkedArgv(prlimit: string, marker: string, argv: readonly string[]): string[] {
  return [prlimit, `--rttime=${runLimitMark(marker)}:`, '--', ...argv];
}
