// Backups the service writes itself (openclaw.json.bak, .last-good): found by simple globs beside the config, newest first.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface BackupCandidate {
  path: string;
  mtimeMs: number;
  /** Permission bits. */
  mode: number;
  uid: number;
  gid: number;
}

/** "*" and "?" in the last path segment only; a relative pattern is relative to the config's directory. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Files matching any glob, excluding the config itself and files the doctor writes (evidence, undone repairs, check temps). */
export async function findBackupCandidates(configPath: string, globs: readonly string[]): Promise<BackupCandidate[]> {
  const seen = new Map<string, BackupCandidate>();
  for (const glob of globs) {
    const abs = path.resolve(path.dirname(configPath), glob);
    const dir = path.dirname(abs);
    const re = globToRegExp(path.basename(abs));
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!re.test(name) || name.includes('.corrupt-') || name.includes('.doctor-undone-') || name.includes('.clawback-check-')) continue;
      const file = path.join(dir, name);
      if (file === path.resolve(configPath) || seen.has(file)) continue;
      try {
        const st = await fs.stat(file);
        if (st.isFile()) seen.set(file, { path: file, mtimeMs: st.mtimeMs, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
      } catch {
        // vanished while we looked
      }
    }
  }
  return [...seen.values()].sort((a, b) => b.mtimeMs - a.mtimeMs || a.path.localeCompare(b.path));
}
