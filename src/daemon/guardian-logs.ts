// The files a service manager or cron fills from Clawback's own output (the guardian's report every pass, the daemon's
// stdout and stderr) are written by redirection, outside any logger: each guardian pass bounds them by size instead.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { DEFAULT_LOG_KEEP, DEFAULT_LOG_MAX_BYTES, rotateByRenameSync, rotateIfLarger } from '../observe/log-rotation.js';

/** Reopened by each pass (cron's `>>`, launchd's StandardOutPath): renamed away, the next pass starts a new file. */
export const GUARDIAN_LOG = 'guardian.log';
/** Held open by a running daemon (O_APPEND): copied to .1 and truncated, as the services' logs are. */
export const DAEMON_OUTPUT_LOGS: readonly string[] = ['daemon.out.log', 'launchd-daemon.out.log', 'launchd-daemon.err.log'];

export interface OwnLogBound {
  maxBytes: number;
  keep: number;
}

/** The daemon's own log's bound: 10 MiB a file, 5 rotated generations. */
export const OWN_LOG_BOUND: OwnLogBound = { maxBytes: DEFAULT_LOG_MAX_BYTES, keep: DEFAULT_LOG_KEEP };

/** A rotation that failed: its line, and the error itself, so a refusal of the state dir's filesystem is folded (disk-refusal-fold.ts). */
export interface OwnLogError {
  line: string;
  err: unknown;
  /** The log, relative to the state directory (logs/guardian.log). */
  file: string;
}

export interface OwnLogsRotation {
  /** `guardian.log (10485761 bytes) -> guardian.log.1`, one per file rotated. */
  rotated: string[];
  errors: OwnLogError[];
}

/** Rotates <stateDir>/logs/{guardian.log, daemon.out.log, launchd-daemon.*.log} past the bound; never throws. */
export async function rotateOwnLogs(stateDir: string, bound: OwnLogBound = OWN_LOG_BOUND): Promise<OwnLogsRotation> {
  const dir = path.join(stateDir, 'logs');
  const out: OwnLogsRotation = { rotated: [], errors: [] };
  const guardianLog = path.join(dir, GUARDIAN_LOG);
  try {
    const st = await fsp.lstat(guardianLog).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    // A link is never rotated (see rotateIfLarger).
    if (st?.isFile() && st.size > bound.maxBytes) {
      rotateByRenameSync(guardianLog, Math.max(1, bound.keep));
      out.rotated.push(`${GUARDIAN_LOG} (${st.size} bytes) -> ${GUARDIAN_LOG}.1`);
    }
  } catch (err) {
    out.errors.push({ line: `rotating ${guardianLog} failed: ${(err as Error).message}`, err, file: `logs/${GUARDIAN_LOG}` });
  }
  for (const name of DAEMON_OUTPUT_LOGS) {
    const file = path.join(dir, name);
    try {
      const size = (await fsp.lstat(file).catch(() => undefined))?.size;
      if (await rotateIfLarger(file, bound.maxBytes, bound.keep)) out.rotated.push(`${name} (${size ?? '?'} bytes) -> ${name}.1`);
    } catch (err) {
      out.errors.push({ line: `rotating ${file} failed: ${(err as Error).message}`, err, file: `logs/${name}` });
    }
  }
  return out;
}
