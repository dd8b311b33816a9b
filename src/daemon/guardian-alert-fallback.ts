// Where the guardian remembers its last alert when the state dir refuses the write (a full or read-only disk): without
// it guardian-alert.json was never written and every pass said "daemon crashed" again (60 pages an hour under cron).
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import { ensurePrivateDir } from '../platform/private-dir.js';
import { readRegularFileSync } from '../platform/read-regular.js';
import { claimDirProblem, pathHash } from './config-claim.js';
import { realOrSame } from './daemon-identity.js';

/** `$XDG_RUNTIME_DIR/clawback-guardian-alerts` (a per-user tmpfs), else `<tmp>/clawback-<uid>/guardian-alerts`. */
export function defaultAlertFallbackDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && path.isAbsolute(runtime)) return path.join(runtime, 'clawback-guardian-alerts');
  return path.join(os.tmpdir(), `clawback-${process.getuid?.() ?? 'user'}`, 'guardian-alerts');
}

/** The fallback file of one state dir: `<dir>/<hash of its real path>.json`. */
export function alertFallbackFile(stateDir: string, dir = defaultAlertFallbackDir()): string {
  return path.join(dir, `${pathHash(realOrSame(stateDir))}.json`);
}

/** Its text, or null: missing, or in a dir another user could have written (a planted file must not silence an alert). */
export function readAlertFallback(file: string): string | null {
  if (claimDirProblem(path.dirname(file)) !== undefined) return null;
  try {
    return readRegularFileSync(file).toString('utf8');
  } catch {
    return null;
  }
}

/** Writes it (0600, in a private 0700 dir of this user); throws when it cannot, saying why. */
export function writeAlertFallback(file: string, text: string): void {
  const dir = path.dirname(file);
  ensurePrivateDir(dir);
  const problem = claimDirProblem(dir);
  if (problem !== undefined) throw new Error(problem);
  writeFileAtomicSync(file, text, { mode: 0o600 });
}

export function removeAlertFallback(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // nothing there to trust anyway
  }
}
