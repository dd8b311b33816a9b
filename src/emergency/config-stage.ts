// A working copy of a config outside the agent's workspace, for agents whose write permission is a whole directory
// (Codex's sandbox): the agent edits the copy alone, and we apply its edit to the real file after it exits.
//
// Granting the config's directory instead would let the agent rewrite everything beside the config (for OpenClaw,
// ~/.openclaw: credentials, sessions, paired devices), none of which the snapshot covers or may revert, since the
// gateway itself writes there during the run.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.js';
import { hardLinkBlock } from '../platform/hard-links.js';
import { sha256 } from '../platform/config-file.js';
import { readRegularFile } from '../platform/read-regular.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

export interface ConfigStage {
  /** The real config file (as configured; a symbolic link is written through to its target). */
  configPath: string;
  /** The working copy the agent edits, alone in its own directory. */
  copyPath: string;
  /** The config's bytes when the copy was made (sha256), and its mode. */
  baseHash: string;
  mode: number;
}

export type StageOutcome =
  | { kind: 'unchanged' }
  | { kind: 'applied' }
  /** The agent deleted its copy: the real config is left as it is (a deletion is not an edit we apply). */
  | { kind: 'removed' }
  /** The real config changed during the run too (a person, a deploy, the service): neither edit is overwritten. */
  | { kind: 'conflict' };

/** A file is outside a directory unless it is the directory or below it. */
export function outsideDir(file: string, dir: string): boolean {
  const f = path.resolve(file);
  const d = path.resolve(dir);
  return f !== d && !f.startsWith(`${d}${path.sep}`);
}

/** Copies the config into <dir>/<its name> (dir created 0700, the copy 0600). Undefined if it cannot be read. */
export async function stageConfig(configPath: string, dir: string): Promise<ConfigStage | undefined> {
  const bytes = await fs.readFile(configPath).catch(() => undefined);
  if (bytes === undefined) return undefined;
  const st = await fs.stat(configPath);
  await mkdirRecursive(dir, 0o700);
  const copyPath = path.join(dir, path.basename(configPath));
  await writeFileAtomic(copyPath, bytes, { mode: 0o600, durable: false });
  return { configPath, copyPath, baseHash: sha256(bytes), mode: st.mode & 0o7777 };
}

/** Whether the copy differs from the config it was made from (deleted counts as edited). */
export async function stageEdited(stage: ConfigStage): Promise<boolean> {
  const edited = await readRegularFile(stage.copyPath).catch(() => undefined);
  return edited === undefined || sha256(edited) !== stage.baseHash;
}

/**
 * Applies the agent's edit of the copy to the real config, only when the real one still has the bytes the copy was
 * made from. The caller's snapshot (taken before the run) is what a failed verification puts back.
 */
export async function applyStage(stage: ConfigStage): Promise<StageOutcome> {
  const edited = await readRegularFile(stage.copyPath).catch(() => undefined);
  if (edited === undefined) return { kind: 'removed' };
  if (sha256(edited) === stage.baseHash) return { kind: 'unchanged' };
  const target = await fs.realpath(stage.configPath).catch(() => stage.configPath);
  const now = await readRegularFile(target).catch(() => undefined);
  if (now === undefined || sha256(now) !== stage.baseHash) return { kind: 'conflict' };
  // The same rule as the agent's write_config and the doctor's restore: a hard-linked config is not split by a rename.
  const linked = await hardLinkBlock(target);
  if (linked) throw new Error(`the agent's edit was not applied: ${linked}`);
  // The owner it has (the service's user, when the daemon runs as root): the service must still read its config.
  const st = await fs.stat(target);
  await writeFileAtomic(target, edited, { mode: stage.mode, owner: { uid: st.uid, gid: st.gid } });
  return { kind: 'applied' };
}
