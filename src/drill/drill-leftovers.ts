// `clawback status` names the files a killed drill left changed; kept apart from file-guard so status loads no crypto until there is one.
import { accessSync, constants, readFileSync, readdirSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isSameProcess } from '../platform/proc.js';

export const BACKUP_PREFIX = 'clawback-drill-backup-';
export const MANIFEST = 'guard.json';

/**
 * `<stateDir><suffix>` (the state dir's real path), beside the state dir: not in it, which the nuclear scenario moves
 * aside mid-run, and not in $TMPDIR, which differs between shells (sudo, tmux, a service unit). undefined when that
 * directory is not writable (a state dir under /var/lib).
 */
export function besideStateDir(stateDir: string, suffix: string): string | undefined {
  let real = path.resolve(stateDir);
  try {
    real = realpathSync(real);
  } catch {
    // does not exist yet: as given
  }
  try {
    accessSync(path.dirname(real), constants.W_OK);
    return `${real}${suffix}`;
  } catch {
    return undefined;
  }
}

/**
 * Where a state dir's drills keep the user's bytes while they break a file: beside the state dir, like the drill lock,
 * so any later drill or daemon start finds the backup of a drill killed mid-fault, whatever its $TMPDIR.
 */
export function drillBackupRoot(stateDir: string): string {
  return besideStateDir(stateDir, '.drill-backups') ?? os.tmpdir();
}

/** Every place a killed drill's backups may be: beside the state dir, and the temp dir (where drills kept them before). */
export function drillBackupRoots(stateDir: string): string[] {
  return [...new Set([drillBackupRoot(stateDir), os.tmpdir()])];
}

/** What a backup dir says about itself, so the next drill can put the bytes back if this one is SIGKILLed. */
export interface GuardManifest {
  realPath: string;
  mode: number | null;
  /** The file's owner (absent in guards written before it was kept). */
  fileOwner?: { uid: number; gid: number } | null;
  /** The mode and owner of the file's directory (absent in guards written before it was kept). */
  dir?: { mode: number; owner: { uid: number; gid: number } } | null;
  backup: string;
  owner: { pid: number; startTime: number | null };
  /** sha256 of the bytes the drill wrote over the file ('deleted' when it removed it); null before it did. */
  wrote: string | null;
  /**
   * The user was told where their earlier bytes are kept (the file was edited since the drill wrote it, so it was left as
   * it is): the backup stays theirs, and no later drill announces it again.
   */
  handedOver?: boolean;
}

/** A file a killed drill left as it wrote it, with where the user's bytes are kept. */
export interface AbandonedDrillChange {
  file: string;
  pid: number;
  backup: string;
}

/** The backup dirs of drills that are gone (killed: their owner pid is not that process any more), with their manifests. */
export function abandonedGuards(roots: string | readonly string[] = os.tmpdir()): Array<{ dir: string; manifest: GuardManifest }> {
  const out: Array<{ dir: string; manifest: GuardManifest }> = [];
  for (const root of typeof roots === 'string' ? [roots] : roots) out.push(...abandonedIn(root));
  return out;
}

function abandonedIn(tmp: string): Array<{ dir: string; manifest: GuardManifest }> {
  let names: string[];
  try {
    names = readdirSync(tmp).filter((n) => n.startsWith(BACKUP_PREFIX));
  } catch {
    return [];
  }
  const out: Array<{ dir: string; manifest: GuardManifest }> = [];
  for (const name of names) {
    const dir = path.join(tmp, name);
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as GuardManifest;
      if (manifest.handedOver !== true && !isSameProcess(manifest.owner.pid, manifest.owner.startTime)) out.push({ dir, manifest });
    } catch {
      // not a guard, or one being written: nothing to say
    }
  }
  return out;
}

/** The file's bytes now, or undefined when it cannot be read (deleted). */
export function bytesNow(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Whether the file still holds what the killed drill wrote there (or is still deleted); `sha256` hashes its bytes. */
export function leftAsDrillWrote(m: GuardManifest, now: Buffer | undefined, sha256: (bytes: Buffer) => string): boolean {
  return m.wrote !== null && (now === undefined ? m.wrote === 'deleted' : sha256(now) === m.wrote);
}

/**
 * node:crypto when a drill left a file (not loaded by every `clawback status`). Not through import() where Node can give
 * it at once: `status` runs this module from a bundle compiled with V8's code cache (cli/code-cache.cts), and an import()
 * in code from that cache has no loader on Node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING: status failed on a killed
 * drill's leftovers). getBuiltinModule is there from Node 20.16; before it, import() as before.
 */
async function loadCrypto(): Promise<typeof import('node:crypto')> {
  const builtin = (process as { getBuiltinModule?: (id: 'node:crypto') => typeof import('node:crypto') }).getBuiltinModule;
  return builtin ? builtin('node:crypto') : import('node:crypto');
}

/**
 * Read-only: the files killed drills left holding the drill's bytes (or deleted), which nobody puts back until the next
 * drill runs; meanwhile the service runs on them and the daemon may snapshot them as last-known-good.
 */
export async function abandonedDrillChanges(tmp: string | readonly string[] = os.tmpdir()): Promise<AbandonedDrillChange[]> {
  const out: AbandonedDrillChange[] = [];
  for (const { dir, manifest: m } of abandonedGuards(tmp)) {
    if (m.wrote === null) continue;
    const { createHash } = await loadCrypto();
    if (leftAsDrillWrote(m, bytesNow(m.realPath), (b) => createHash('sha256').update(b).digest('hex'))) out.push({ file: m.realPath, pid: m.owner.pid, backup: path.join(dir, m.backup) });
  }
  return out;
}
