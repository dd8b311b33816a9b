// Where the gateway keeps its JSON log by default: /tmp/openclaw only when it is safe for this user, else a per-user temp dir.
import { lstatSync, accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const OPENCLAW_PREFERRED_TMP_DIR = '/tmp/openclaw';

export interface OpenclawTmpDirOptions {
  /** The gateway's os.tmpdir(): its TMPDIR, else the system's. */
  tmpdir?: string;
  /** The uid the gateway runs as (default this process's); undefined on Windows. */
  uid?: number | undefined;
  platform?: NodeJS.Platform;
  /** The shared root it prefers (default /tmp/openclaw; a test points it elsewhere). */
  preferred?: string;
}

/**
 * The rule of openclaw 2026.9.6 (resolvePreferredOpenClawTmpDir -> @openclaw/fs-safe resolveSecureTempRoot): the
 * preferred dir when it is a real directory owned by the user (it tightens group/other write bits itself) or when it is
 * missing and its parent is writable (it creates it); otherwise, and always on Windows, `<tmpdir>/openclaw-<uid>`.
 */
export function resolveOpenclawTmpDir(opts: OpenclawTmpDirOptions = {}): string {
  const platform = opts.platform ?? process.platform;
  const uid = 'uid' in opts ? opts.uid : process.getuid?.();
  const preferred = opts.preferred ?? OPENCLAW_PREFERRED_TMP_DIR;
  const fallback = path.join(opts.tmpdir ?? os.tmpdir(), uid === undefined ? 'openclaw' : `openclaw-${uid}`);
  if (platform === 'win32') return fallback;
  try {
    const st = lstatSync(preferred);
    if (!st.isDirectory() || st.isSymbolicLink()) return fallback;
    return uid === undefined || st.uid === uid ? preferred : fallback;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return fallback;
    try {
      accessSync(path.dirname(preferred), constants.W_OK | constants.X_OK);
      return preferred;
    } catch {
      return fallback;
    }
  }
}
