// `clawback status` names the files a killed drill left changed; kept apart from file-guard so status loads no crypto until there is one.
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isSameProcess } from '../platform/proc.js';

export const BACKUP_PREFIX = 'clawback-drill-backup-';
export const MANIFEST = 'guard.json';

/** What a backup dir says about itself, so the next drill can put the bytes back if this one is SIGKILLed. */
export interface GuardManifest {
  realPath: string;
  mode: number | null;
  /** The file's owner (absent in guards written before it was kept). */
  fileOwner?: { uid: number; gid: number } | null;
  backup: string;
  owner: { pid: number; startTime: number | null };
  /** sha256 of the bytes the drill wrote over the file ('deleted' when it removed it); null before it did. */
  wrote: string | null;
}

/** A file a killed drill left as it wrote it, with where the user's bytes are kept. */
export interface AbandonedDrillChange {
  file: string;
  pid: number;
  backup: string;
}

/**
 * Read-only: the files killed drills left holding the drill's bytes (or deleted), which nobody puts back until the next
 * drill runs; meanwhile the service runs on them and the daemon may snapshot them as last-known-good.
 */
export async function abandonedDrillChanges(tmp = os.tmpdir()): Promise<AbandonedDrillChange[]> {
  const out: AbandonedDrillChange[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(tmp).filter((n) => n.startsWith(BACKUP_PREFIX));
  } catch {
    return out;
  }
  for (const name of names) {
    const dir = path.join(tmp, name);
    try {
      const m = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as GuardManifest;
      if (m.wrote === null || isSameProcess(m.owner.pid, m.owner.startTime)) continue;
      let now: Buffer | undefined;
      try {
        now = readFileSync(m.realPath);
      } catch {
        now = undefined;
      }
      const { createHash } = await import('node:crypto');
      const left = now === undefined ? m.wrote === 'deleted' : createHash('sha256').update(now).digest('hex') === m.wrote;
      if (left) out.push({ file: m.realPath, pid: m.owner.pid, backup: path.join(dir, m.backup) });
    } catch {
      // not a guard, or one being written: nothing to say
    }
  }
  return out;
}
