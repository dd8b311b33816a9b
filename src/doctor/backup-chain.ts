// The service's own backup copies (configFile.backupGlobs) around its doctor run: `openclaw doctor --fix` rotates
// .bak..bak.4 on every config write, so a run that is rolled back must put that chain back too (the user's oldest copies
// fell off its end).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../platform/clock.js';
import { findBackupCandidates } from './backup-candidates.js';
import { putBackFile, putBackIfUnchanged, readCurrent, type CurrentFile } from './safe-user-write.js';
import { fileStamp } from '../platform/file-stamp.js';
import { writeNewFile } from '../platform/atomic-write.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

/** Where a backup copy pushed out of the chain by a kept run is kept: <stateDir>/evidence/backups/<service>/<time>-<name>. */
export function backupEvidenceDir(stateDir: string, service: string): string {
  return path.join(stateDir, 'evidence', 'backups', service);
}

/** At most this many backup files are held in memory around one run (a config-sized file each). */
const MAX_BACKUPS = 32;

/** The backup files as they are now (their bytes, mode and owner), keyed by path. */
export async function readBackupChain(configPath: string, globs: readonly string[]): Promise<Map<string, CurrentFile>> {
  const out = new Map<string, CurrentFile>();
  if (globs.length === 0) return out;
  for (const c of (await findBackupCandidates(configPath, globs)).slice(0, MAX_BACKUPS)) {
    const read = await readCurrent(c.path);
    if (read.content !== undefined) out.set(c.path, read);
  }
  return out;
}

/**
 * Puts back each backup file the run changed or removed, from the bytes read before it. A file changed since by
 * someone else than the run cannot be told apart and is put back too; one created by the run is left (it is a copy
 * of the config as the run found or wrote it) and named.
 */
export async function putBackBackupChain(
  configPath: string,
  globs: readonly string[],
  before: ReadonlyMap<string, CurrentFile>,
): Promise<{ putBack: string[]; created: string[]; notes: string[] }> {
  const putBack: string[] = [];
  const notes: string[] = [];
  for (const [file, was] of before) {
    const now = await readCurrent(file);
    if (now.content !== undefined && now.content.equals(was.content!)) continue;
    try {
      if (now.content === undefined && now.notAFile === undefined) await putBackFile(was.realPath, was.content!, was.mode, was.owner);
      else if (now.notAFile !== undefined || !(await putBackIfUnchanged(now, was.content!, was.mode, was.owner))) {
        notes.push(`${file} not put back: ${now.notAFile ?? 'it changed again meanwhile'}`);
        continue;
      }
      putBack.push(file);
    } catch (err) {
      notes.push(`${file} not put back: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const created = (await findBackupCandidates(configPath, globs)).map((c) => c.path).filter((f) => !before.has(f));
  return { putBack: putBack.sort(), created: created.sort(), notes };
}

/**
 * Before a run: a copy of each backup file is written into `dir` (into `staged`, keyed by the backup's path), so that a
 * kept run's rotation, which pushes the oldest copies off the chain, never leaves them nowhere. An evidence dir that
 * cannot take them (full disk, read-only, a file in its place) throws, naming it: the run is refused, nothing touched.
 * Keeping them after the run only, a failure there lost the user's oldest copies with a note.
 */
export async function stageBackupChain(before: ReadonlyMap<string, CurrentFile>, dir: string, clock: Clock, staged: Map<string, string>): Promise<void> {
  if (before.size === 0) return;
  const stamp = fileStamp(clock.now());
  try {
    await mkdirRecursive(dir, 0o700);
    let n = 0;
    for (const [file, was] of before) {
      const target = path.join(dir, `.staged-${stamp}-${n++}-${path.basename(file)}`);
      staged.set(file, target);
      await fs.writeFile(target, was.content!, { mode: 0o600, flag: 'wx' });
    }
  } catch (err) {
    await discardStaged(staged);
    throw new Error(
      `the service's doctor was not run: its backup copies (${[...before.keys()].join(', ')}) could not be kept in ${dir} first ` +
        `(${(err as Error).message}), and its rotation may push the oldest off the chain; make ${dir} writable (free space, remove what is in its place) and run it again`,
    );
  }
}

/** Removes the staged copies not kept (best effort: a leftover is evidence, swept with the dir by retention). */
export async function discardStaged(staged: Map<string, string>): Promise<void> {
  for (const f of staged.values()) await fs.rm(f, { force: true }).catch(() => undefined);
  staged.clear();
}

/**
 * After a run whose change is kept: each backup copy whose bytes are now nowhere in the chain nor in the config (the
 * rotation pushed it off the end) is kept in `dir`, outside the backup globs, by renaming its staged copy (no space
 * needed). Returns the kept paths; the staged copies it keeps are taken out of `staged`.
 */
export async function keepPushedOut(
  configPath: string,
  globs: readonly string[],
  before: ReadonlyMap<string, CurrentFile>,
  dir: string,
  clock: Clock,
  staged: Map<string, string> = new Map(),
): Promise<string[]> {
  if (before.size === 0) return [];
  const present: Buffer[] = [];
  for (const f of [configPath, ...(await findBackupCandidates(configPath, globs)).map((c) => c.path)]) {
    const now = await readCurrent(f);
    if (now.content !== undefined) present.push(now.content);
  }
  const kept: string[] = [];
  const stamp = fileStamp(clock.now());
  for (const [file, was] of before) {
    if (present.some((b) => b.equals(was.content!))) continue;
    const target = path.join(dir, `${stamp}-${path.basename(file)}`);
    const copy = staged.get(file);
    if (copy !== undefined) {
      await fs.rename(copy, target);
      staged.delete(file);
    } else {
      await mkdirRecursive(dir, 0o700);
      await writeNewFile(target, was.content!);
    }
    present.push(was.content!);
    kept.push(target);
  }
  return kept;
}
