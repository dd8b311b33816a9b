// Undoes a doctor run's file repair that did not hold: only where a file still holds exactly the doctor's bytes.
import { sha256 } from '../platform/config-file.js';
import type { DoctorFileChange } from '../decide/inputs.js';
import type { SnapshotStore } from './snapshot-store.js';
import { keepEvidence, readCurrent, replaceIfUnchanged, snapshotBeforeRepair, type CurrentFile } from './safe-user-write.js';
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

/**
 * What the run changed in the file read before it: the change with its original bytes kept as a pre-repair snapshot
 * (deduplicated against the run's own). None when the file did not exist before (nothing to put back) or is unchanged.
 */
export async function doctorFileChange(store: SnapshotStore, file: string, before: CurrentFile | undefined): Promise<DoctorFileChange | undefined> {
  if (!before?.content || before.notAFile) return undefined;
  const after = await readCurrent(file);
  if (!after.content) return undefined;
  const beforeSha = sha256(before.content);
  const afterSha = sha256(after.content);
  if (beforeSha === afterSha) return undefined;
  const entry = await snapshotBeforeRepair(store, file, before, 'before doctor run (to revert it if its repair does not hold)');
  if (!entry) return undefined;
  return { path: file, before: beforeSha, after: afterSha, snapshotId: entry.id };
}

export async function revertDoctorFiles(ctx: Pick<DoctorContext, 'snapshots' | 'clock'>, files: readonly DoctorFileChange[]): Promise<DoctorRevertResult> {
  const out: DoctorRevertResult = { reverted: [], kept: [] };
  for (const f of files) {
    const current = await readCurrent(f.path);
    if (current.notAFile) {
      out.kept.push(`${f.path}: ${current.notAFile} is there now, left as it is`);
      continue;
    }
    const sha = current.content ? sha256(current.content) : undefined;
    // Idempotent: a revert interrupted by a daemon restart may have put it back already.
    if (sha === f.before) {
      out.reverted.push(`${f.path} (already as it was before the doctor)`);
      continue;
    }
    if (sha !== f.after) {
      out.kept.push(`${f.path} changed since the doctor wrote it (${sha ? 'saved by someone or the service' : 'deleted'}), kept as it is now`);
      continue;
    }
    const entries = await ctx.snapshots.list('pre-repair');
    const entry = entries.find((e) => e.id === f.snapshotId && e.sha256 === f.before) ?? entries.find((e) => e.sha256 === f.before);
    const original = entry ? await ctx.snapshots.read(entry).catch(() => undefined) : undefined;
    if (!original) {
      out.kept.push(`${f.path}: its bytes from before the doctor are no longer in the snapshot store, the doctor's version left in place`);
      continue;
    }
    const evidence = await keepEvidence(current.realPath, current.content!, current, ctx.clock, 'doctor-undone');
    if (!(await replaceIfUnchanged(current, original, current.mode))) {
      out.kept.push(`${f.path} changed while it was being put back, kept as it is now (the doctor's version is at ${evidence})`);
      continue;
    }
    out.reverted.push(`${f.path} (the doctor's version is kept at ${evidence})`);
  }
  return out;
}
