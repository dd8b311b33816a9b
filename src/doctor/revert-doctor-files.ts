// Undoes a doctor run's file repair that did not hold: only where a file still holds exactly the doctor's bytes.
import { promises as fs } from 'node:fs';
import { sha256 } from '../platform/config-file.js';
import type { DoctorFileChange } from '../decide/inputs.js';
import { SnapshotStore } from './snapshot-store.js';
import { keepEvidence, narrowerMode, putBackIfUnchanged, readCurrent, snapshotBeforeRepair, unchangedSince, type CurrentFile } from './safe-user-write.js';
import { ownerToGive } from '../platform/atomic-write.js';
import { includedFilesInText } from '../platform/config-includes.js';
import { findBackupCandidates } from './backup-candidates.js';
import type { DoctorContext } from './types.js';

export interface DoctorRevertResult {
  /** Files put back as they were before the doctor run ("<path> (the doctor's version is kept at <evidence>)"). */
  reverted: string[];
  /** Files left as they are, each with why (changed since the doctor wrote it, original bytes gone). */
  kept: string[];
}

/** The config file's bytes before a doctor run, to tell afterwards whether (and how) the run rewrote it. */
export async function readBeforeDoctor(file: string | undefined): Promise<CurrentFile | undefined> {
  return file === undefined ? undefined : readCurrent(file).catch(() => undefined);
}

/** OpenClaw follows `$include` 10 levels deep; a config tree is bounded in files too. */
const MAX_INCLUDE_DEPTH = 10;
const MAX_TREE_FILES = 64;

/**
 * Every file of the config tree as it was before a doctor run: the config file and each file its `$include`s name (in
 * its text now, and in its newest last-known-good copy's, which a restore may put back with its included files), to
 * the files those name. A repair of any of them (an included file put back, a config restored where none was) is
 * then verified and undone like one of the main file.
 */
export async function readConfigTreeBeforeDoctor(file: string | undefined, store?: SnapshotStore): Promise<Map<string, CurrentFile | undefined>> {
  const out = new Map<string, CurrentFile | undefined>();
  if (file === undefined) return out;
  const named = new Set<string>();
  const lkg = await store?.latest('last-known-good').catch(() => undefined);
  const lkgBytes = lkg ? await store!.read(lkg).catch(() => undefined) : undefined;
  if (lkgBytes) for (const f of includedFilesInText(file, lkgBytes.toString('utf8'))) named.add(f);
  let level = [file, ...named];
  for (let depth = 0; depth <= MAX_INCLUDE_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const f of level) {
      const key = f;
      if (out.has(key) || out.size >= MAX_TREE_FILES) continue;
      const read = await readBeforeDoctor(key);
      out.set(key, read);
      if (read?.content) next.push(...includedFilesInText(key, read.content.toString('utf8')));
    }
    level = next;
  }
  return out;
}

/** What the run changed in the files of the config tree read before it (see doctorFileChange), in the order read. */
export async function doctorFileChanges(store: SnapshotStore, before: ReadonlyMap<string, CurrentFile | undefined>): Promise<DoctorFileChange[]> {
  const out: DoctorFileChange[] = [];
  for (const [file, read] of before) {
    const change = await doctorFileChange(store, file, read).catch(() => undefined);
    if (change) out.push(change);
  }
  return out;
}

/**
 * What the run changed in the file read before it: the change with its original bytes kept as a pre-repair snapshot
 * (deduplicated against the run's own), or, for a file there was none of before, the file it created (`before` null).
 * None when the file could not be read before, is unchanged, or is gone after.
 */
export async function doctorFileChange(store: SnapshotStore, file: string, before: CurrentFile | undefined): Promise<DoctorFileChange | undefined> {
  if (!before || before.notAFile) return undefined;
  const after = await readCurrent(file);
  if (!after.content) return undefined;
  const afterSha = sha256(after.content);
  if (!before.content) return { path: file, before: null, after: afterSha, snapshotId: null };
  const beforeSha = sha256(before.content);
  if (beforeSha === afterSha) return undefined;
  const entry = await snapshotBeforeRepair(store, file, before, 'before doctor run (to revert it if its repair does not hold)');
  if (!entry) return undefined;
  return { path: file, before: beforeSha, after: afterSha, snapshotId: entry.id };
}

/**
 * What the run changed in the service's own backup copies (configFile.backupGlobs) read before it: `openclaw doctor
 * --fix` rotates .bak..bak.4 on each config write, so a run that is undone puts the user's chain back too, not only
 * the config. A copy the run created is one a revert moves aside; `skip` holds paths already counted (the config tree).
 */
export async function doctorBackupChanges(
  store: SnapshotStore,
  configPath: string | undefined,
  globs: readonly string[],
  before: ReadonlyMap<string, CurrentFile>,
  skip: ReadonlySet<string> = new Set(),
): Promise<DoctorFileChange[]> {
  if (configPath === undefined || globs.length === 0) return [];
  const out: DoctorFileChange[] = [];
  for (const [file, read] of before) {
    if (skip.has(file)) continue;
    const change = await doctorFileChange(store, file, read).catch(() => undefined);
    if (change) out.push(change);
  }
  for (const c of await findBackupCandidates(configPath, globs).catch(() => [])) {
    if (before.has(c.path) || skip.has(c.path)) continue;
    const change = await doctorFileChange(store, c.path, { realPath: c.path }).catch(() => undefined);
    if (change) out.push(change);
  }
  return out;
}

export async function revertDoctorFiles(ctx: Pick<DoctorContext, 'snapshots' | 'clock'>, files: readonly DoctorFileChange[]): Promise<DoctorRevertResult> {
  const out: DoctorRevertResult = { reverted: [], kept: [] };
  for (const f of files) {
    const current = await readCurrent(f.path);
    if (current.notAFile) {
      out.kept.push(`${f.path}: ${current.notAFile} is there now, left as it is`);
      continue;
    }
    const sha = current.content ? sha256(current.content) : null;
    // Idempotent: a revert interrupted by a daemon restart may have put it back already.
    if (sha === f.before) {
      out.reverted.push(`${f.path} (already as it was before the doctor${f.before === null ? ': no such file' : ''})`);
      continue;
    }
    if (sha !== f.after) {
      out.kept.push(`${f.path} changed since the doctor wrote it (${sha ? 'saved by someone or the service' : 'deleted'}), kept as it is now`);
      continue;
    }
    // A file the doctor created: moved aside (its bytes kept beside it), so there is again no such file.
    if (f.before === null) {
      const evidence = await keepEvidence(current.realPath, current.content!, current, ctx.clock, 'doctor-undone');
      if (!(await unchangedSince(current))) {
        out.kept.push(`${f.path} changed while it was being removed, kept as it is now (the doctor's version is at ${evidence})`);
        continue;
      }
      await fs.rm(current.realPath, { force: true });
      out.reverted.push(`${f.path} removed, there was none before the doctor (the doctor's version is kept at ${evidence})`);
      continue;
    }
    const entries = await ctx.snapshots.list('pre-repair');
    const entry = entries.find((e) => e.id === f.snapshotId && e.sha256 === f.before) ?? entries.find((e) => e.sha256 === f.before);
    const original = entry ? await ctx.snapshots.read(entry).catch(() => undefined) : undefined;
    if (!entry || !original) {
      out.kept.push(`${f.path}: its bytes from before the doctor are no longer in the snapshot store, the doctor's version left in place`);
      continue;
    }
    // Put back as it was: its mode and owner from before the doctor too (a doctor writing by rename left a 0600 file
    // of secrets 0644), in place when it has other names (a hard link), and its evidence no more readable than it was.
    const evidence = await keepEvidence(current.realPath, current.content!, { mode: narrowerMode(entry.mode, current.mode), owner: current.owner }, ctx.clock, 'doctor-undone');
    const owner = ownerToGive(SnapshotStore.ownerOf(entry)) ?? current.owner;
    if (!(await putBackIfUnchanged(current, original, entry.mode ?? current.mode, owner))) {
      out.kept.push(`${f.path} changed while it was being put back, kept as it is now (the doctor's version is at ${evidence})`);
      continue;
    }
    out.reverted.push(`${f.path} (the doctor's version is kept at ${evidence})`);
  }
  return out;
}
