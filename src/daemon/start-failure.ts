// Why the daemon could not start, in its own words plus the disk and what to do, kept where a full state dir cannot
// refuse it: the guardian's direct start read only logs/daemon.out.log, empty on a full disk ("exited with code 1").
import path from 'node:path';
import { systemErrorText } from '../platform/errno-words.js';
import { faultAdvice } from './daemon-faults.js';
import { defaultAlertFallbackDir, readAlertFallback, removeAlertFallback, writeAlertFallback } from './guardian-alert-fallback.js';
import { pathHash } from './config-claim.js';
import { realOrSame } from './daemon-identity.js';
import { diskRoom, roomText } from './disk-refusal-text.js';

/**
 * The one line a start refused by the system says: the call and file (the state dir when the error names none), the
 * room on the state dir's filesystem, and what to do. Undefined for an error that is no refusal of the system (a bug).
 */
export function startFailureText(err: unknown, stateDir: string, room = diskRoom(stateDir)): string | undefined {
  const said = systemErrorText(err);
  if (said === undefined) return undefined;
  const named = (err as NodeJS.ErrnoException).path !== undefined;
  return `the daemon could not start: ${said}${named ? '' : ` (state dir ${stateDir})`}${roomText(room)}; to fix: ${faultAdvice(err)} (${stateDir}), then start it again`;
}

/** `<fallback dir>/<hash of the state dir's real path>.start-failure.txt`, beside the guardian's alert fallback. */
export function startFailureFile(stateDir: string, dir = defaultAlertFallbackDir()): string {
  return path.join(dir, `${pathHash(realOrSame(stateDir))}.start-failure.txt`);
}

/** Leaves the text for the guardian that started this daemon; never throws (a start failing anyway). */
export function keepStartFailure(stateDir: string, text: string, file = startFailureFile(stateDir)): void {
  try {
    writeAlertFallback(file, text.endsWith('\n') ? text : `${text}\n`);
  } catch {
    // Nowhere to keep it: the guardian says the daemon's exit code, as before.
  }
}

/** What the daemon left (and removes it), or '' when nothing. */
export function takeStartFailure(stateDir: string, file = startFailureFile(stateDir)): string {
  const text = readAlertFallback(file) ?? '';
  removeAlertFallback(file);
  return text.trim();
}

/** Removes what an earlier start left, before a new start. */
export function clearStartFailure(stateDir: string, file = startFailureFile(stateDir)): void {
  removeAlertFallback(file);
}
