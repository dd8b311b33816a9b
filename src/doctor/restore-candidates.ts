// Every copy a broken config could be restored from, in one list ranked by trust, then age: evidence beats mere age.
import path from 'node:path';
import type { DoctorContext } from './types.js';
import { readServiceConfigFile } from '../platform/config-file.js';
import { findBackupCandidates } from './backup-candidates.js';
import { SnapshotStore } from './snapshot-store.js';
import type { FileOwner } from '../platform/atomic-write.js';

/**
 * "healthy": a Clawback snapshot, the service ran healthy with exactly these bytes;
 * "service-last-good": the service's own last-good copy (e.g. openclaw.json.last-good), its own claim of health;
 * "backup": a rotation (.bak, .bak.1, ...), only "the file before the last write", never known to have run.
 */
export type CandidateTrust = 'healthy' | 'service-last-good' | 'backup';

export interface RestoreCandidate {
  source: 'snapshot' | 'service-last-good' | 'backup';
  trust: CandidateTrust;
  /** Snapshot id or file path. */
  ref: string;
  label: string;
  /** When the bytes were recorded (snapshot time or file mtime), epoch ms. */
  time: number;
  read(): Promise<Buffer>;
  mode?: number;
  /** The owner the bytes had (a snapshot's source, a backup file's own): given to a config restored where none is. */
  owner?: FileOwner;
}

/** Trusted sources (healthy snapshots and the service's last-good) newest first, then backups newest first. */
export function rankCandidates<T extends Pick<RestoreCandidate, 'trust' | 'time' | 'ref'>>(list: readonly T[]): T[] {
  const tier = (c: T): number => (c.trust === 'backup' ? 1 : 0);
  // At equal age a Clawback snapshot (seen healthy by us) goes before the service's own claim.
  const within = (c: T): number => (c.trust === 'healthy' ? 0 : 1);
  return [...list].sort((a, b) => tier(a) - tier(b) || b.time - a.time || within(a) - within(b) || a.ref.localeCompare(b.ref));
}

/** A file the service names as its own last-good copy (by its name). */
export function isServiceLastGood(file: string): boolean {
  return /(?:^|[.-])last-?good(?:$|[.-])/i.test(path.basename(file));
}

/** Every candidate from every source, ranked. */
export async function gatherCandidates(ctx: DoctorContext): Promise<RestoreCandidate[]> {
  const spec = ctx.service.configFile;
  if (!spec) return [];
  const out: RestoreCandidate[] = [];
  for (const entry of await ctx.snapshots.list('last-known-good')) {
    const c: RestoreCandidate = {
      source: 'snapshot',
      trust: 'healthy',
      ref: entry.id,
      label: `Clawback last-known-good snapshot from ${entry.iso}`,
      time: entry.time,
      read: () => ctx.snapshots.read(entry),
    };
    if (entry.mode !== undefined) c.mode = entry.mode;
    const owner = SnapshotStore.ownerOf(entry);
    if (owner) c.owner = owner;
    out.push(c);
  }
  for (const b of await findBackupCandidates(spec.path, spec.backupGlobs)) {
    const lastGood = isServiceLastGood(b.path);
    out.push({
      source: lastGood ? 'service-last-good' : 'backup',
      trust: lastGood ? 'service-last-good' : 'backup',
      ref: b.path,
      label: `${lastGood ? "the service's own last-good copy" : 'backup file'} ${b.path}`,
      time: b.mtimeMs,
      read: () => readServiceConfigFile(b.path),
      mode: b.mode,
      owner: { uid: b.uid, gid: b.gid },
    });
  }
  return rankCandidates(out);
}
