// Whether a live pid a pid file names can be the process that wrote it: a pid reused after the service died is not.
import { stat } from 'node:fs/promises';
import { processStartTime, startTimeEpochMs } from '../platform/proc.js';

/**
 * Slack between a process's start and its pid file's mtime: the boot time the start is counted from is whole seconds
 * (and may be a second off after an NTP step), and a file system's clock may lag the kernel's a little.
 */
export const PID_FILE_START_SLACK_MS = 2_000;

/**
 * True when the process now holding `pid` started after the pid file was last written (by more than the slack): the
 * service that wrote it exited and an unrelated process took its pid. A service writes its pid file once it runs (a
 * wrapper's `echo $! > file` or `echo $$ > file; exec` too), so its own process is never younger than the file.
 * False when either time cannot be read: unsure is not proof of reuse (the pid is attached to; attach() never signals one whose start time it cannot read).
 */
export async function startedAfterPidFile(pidFile: string, pid: number): Promise<boolean> {
  const mtimeMs = await stat(pidFile).then((s) => s.mtimeMs, () => undefined);
  if (mtimeMs === undefined) return false;
  const ticks = processStartTime(pid);
  const startedMs = ticks === undefined ? undefined : startTimeEpochMs(ticks);
  return startedMs !== undefined && startedMs > mtimeMs + PID_FILE_START_SLACK_MS;
}
