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

/** Why a live-looking pid file's pid was not used: its process is gone, or the pid was taken by a younger process. */
export type StalePidReason = 'dead' | 'younger';
/** Told when discovery passes over a pid file's pid (see discoverPid). */
export type StalePidFile = (pidFile: string, pid: number, why: StalePidReason) => void;

/** The sentence a person reads: the file, the pid and why it was not used. */
export function stalePidFileText(pidFile: string, pid: number, why: StalePidReason): string {
  return why === 'dead'
    ? `pid file ${pidFile} names pid ${pid}, which no process holds: not used (the service is taken as not running)`
    : `pid file ${pidFile} names pid ${pid}, held by a process that started after the file was written (the pid was reused): not used, never signalled`;
}

/**
 * Passes each stale pid file on to `say` once: discovery runs every poll while a start waits for its pid, and the
 * same file naming the same pid for the same reason is said only the first time (no allocation on a repeat).
 */
export function oncePerStalePid(say: (pidFile: string, pid: number, why: StalePidReason) => void): StalePidFile {
  let lastPid = 0;
  let lastWhy: StalePidReason | undefined;
  let lastFile = '';
  return (pidFile, pid, why) => {
    if (pid === lastPid && why === lastWhy && pidFile === lastFile) return;
    lastPid = pid;
    lastWhy = why;
    lastFile = pidFile;
    say(pidFile, pid, why);
  };
}
