// The service's own doctor run under guard: snapshot first, then roll back if it left the file invalid, touched a
// protected setting or was killed before it finished.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { detectFormat, parseConfigText, sha256 } from '../platform/config-file.js';
import type { DoctorContext, RunResult } from './types.js';
import type { ConfigState } from './config-validity.js';
import { checkContentFor, checkFileFor } from './validity-cache.js';
import { describeRun, runnerOf, serviceEnv } from './command-runner.js';
import { changedMeanwhileMessage, keepEvidence, narrowerMode, putBackFile, putBackIfUnchanged, putLinkBack, readCurrent, readLinkText, snapshotBeforeRepair, unchangedSince, type CurrentFile } from './safe-user-write.js';
import type { SnapshotEntry } from './snapshot-store.js';
import { resolvedConfig } from '../platform/config-includes.js';
import { lineDiff } from './line-diff.js';
import { formatDuration } from '../config/duration.js';
import { harmfulChanges, protectedChanges, protectedPatterns, type ProtectedChange } from './protected-settings.js';
import { semanticDiff, describeDiff } from './semantic-diff.js';
import { rebaseOntoOriginal, switchedOff } from './kept-run-text.js';
import { backupEvidenceDir, discardStaged, keepPushedOut, putBackBackupChain, readBackupChain, stageBackupChain } from './backup-chain.js';

export const DOCTOR_ROLLED_BACK = 'service doctor damaged the config; rolled back';

/**
 * What a user reads when the service's own doctor hit doctor.timeout: that it was cut, at what bound, and what that
 * means (its repair is unfinished, not trusted; a slow doctor needs a longer bound). Said in the answer, not only the journal.
 */
export function serviceDoctorCutText(argv: readonly string[], timeoutMs: number): string {
  return `the service's own doctor (\`${argv.join(' ')}\`) was cut at its time limit (doctor.timeout ${formatDuration(timeoutMs)}) before it finished: its repair is unfinished and not trusted (anything it wrote to the config was rolled back); if it needs longer, raise doctor.timeout`;
}

export interface GuardedDoctorResult {
  /** The command could start (its exit code is in `run`). */
  ran: boolean;
  /** Exit 0, in time. */
  ok: boolean;
  run: RunResult;
  /** The config's bytes differ after the run (before any rollback). */
  changed: boolean;
  rolledBack: boolean;
  /** The file changed after the doctor finished (someone saved it): not rolled back, not the doctor's result. */
  changedMeanwhile?: boolean;
  /** State of the config file as left (after a rollback, the original's). */
  state?: ConfigState;
  /** Protected settings the doctor dropped or changed (a reason to roll back). */
  protectedLost: ProtectedChange[];
  message: string;
  before?: string;
  after?: string;
  details: Record<string, unknown>;
}

function lineCounts(a: Buffer, b: Buffer): { added: number; removed: number } {
  const d = lineDiff(a.toString('utf8'), b.toString('utf8'), 0);
  return { added: d.added, removed: d.removed };
}

/** Runs doctor.command with the config snapshotted before; never leaves a worse config than it found. */
export async function runGuardedServiceDoctor(ctx: DoctorContext, opts: { maxOutputChars?: number } = {}): Promise<GuardedDoctorResult> {
  // Copies of the backup chain staged in the evidence dir before the run; the ones a kept run pushed out stay.
  const staged = new Map<string, string>();
  try {
    return await guardedRun(ctx, opts, staged);
  } finally {
    await discardStaged(staged);
  }
}

async function guardedRun(ctx: DoctorContext, opts: { maxOutputChars?: number }, staged: Map<string, string>): Promise<GuardedDoctorResult> {
  const argv = ctx.service.doctor.command;
  if (!argv) throw new Error(`service "${ctx.service.name}" has no doctor.command`);
  const maxOut = opts.maxOutputChars ?? 4_000;
  const tail = (s: string): string => (s.length > maxOut ? `…${s.slice(-maxOut)}` : s);
  const spec = ctx.service.configFile;
  const runner = runnerOf(ctx);

  const beforeFile = spec ? await readCurrent(spec.path) : undefined;
  const pre = spec && beforeFile ? await snapshotBeforeRepair(ctx.snapshots, spec.path, beforeFile, 'before service doctor') : undefined;
  const before = beforeFile?.content ? sha256(beforeFile.content) : undefined;
  const format = spec ? detectFormat(spec.path, spec.format) : 'json';
  const parsedBefore = beforeFile?.content ? parseConfigText(beforeFile.content.toString('utf8'), format) : undefined;
  // A split config ($include): the doctor may write an included file too (the token lives there), so each is
  // snapshotted, and protected settings are compared as the service sees them, includes resolved.
  const resolvedBefore = spec && parsedBefore?.ok ? await resolvedConfig(spec.path, parsedBefore.value, format) : undefined;
  const included = new Map<string, { read: CurrentFile; entry: SnapshotEntry }>();
  for (const f of resolvedBefore?.files ?? []) {
    const read = await readCurrent(f.file);
    const entry = await snapshotBeforeRepair(ctx.snapshots, f.file, read, `before service doctor (included by ${spec!.path})`);
    if (entry) included.set(f.file, { read, entry });
  }
  // The service's own backups: its doctor rotates them on each write (openclaw: .bak..bak.4, the oldest falls off), so a
  // rollback puts them back too.
  const backups = spec && beforeFile ? await readBackupChain(spec.path, spec.backupGlobs) : new Map<string, CurrentFile>();
  // Kept outside the chain before its rotation can push any off: refused (throws) when the evidence dir cannot take them.
  if (spec) await stageBackupChain(backups, backupEvidenceDir(ctx.stateDir, ctx.service.name), ctx.clock, staged);
  // A config kept elsewhere and linked (a dotfiles repo): a tool that writes by rename replaces the link with a file.
  const linkText = spec ? await readLinkText(spec.path) : undefined;
  let ranNote = '';

  const runOpts: Parameters<typeof runner>[1] = { timeoutMs: ctx.service.doctor.timeout, env: serviceEnv(ctx.service) };
  if (ctx.service.cwd !== undefined) runOpts.cwd = ctx.service.cwd;
  if (ctx.signal) runOpts.signal = ctx.signal;
  const r = await runner(argv, runOpts);
  const ranText = `\`${argv.join(' ')}\` ${describeRun(r)}`;
  const ok = r.error === undefined && !r.timedOut && r.code === 0;
  const details: Record<string, unknown> = {
    command: argv,
    exitCode: r.code,
    signal: r.signal,
    timedOut: r.timedOut ?? false,
    stdout: tail(r.stdout),
    stderr: tail(r.stderr),
    preRepairSnapshot: pre?.id ?? null,
    ...(r.timedOut ? { cut: serviceDoctorCutText(argv, ctx.service.doctor.timeout) } : {}),
    ...(included.size > 0 ? { includedSnapshots: Object.fromEntries([...included].map(([f, i]) => [f, i.entry.id])) } : {}),
  };
  const base = { ran: r.error === undefined, ok, run: r, protectedLost: [] as ProtectedChange[], details };

  if (!spec || !beforeFile) {
    const out: GuardedDoctorResult = { ...base, changed: false, rolledBack: false, message: ranText };
    if (before) out.before = before;
    return out;
  }

  if (linkText !== undefined && (await readLinkText(spec.path)) !== linkText) {
    const put = await putLinkBack(spec.path, linkText, beforeFile);
    details.symlink = { link: spec.path, target: linkText, restored: put.relinked, message: put.message };
    ranNote = `; ${put.message}`;
  }
  const afterFile = await readCurrent(spec.path);
  const afterCheck = await checkFileFor(ctx);
  const afterSha = afterFile.content ? sha256(afterFile.content) : undefined;
  const mainChanged = before !== afterSha;
  const changedIncludes: string[] = [];
  for (const [file, i] of included) if (!(await unchangedSince(i.read))) changedIncludes.push(file);
  if (changedIncludes.length > 0) details.changedIncludes = changedIncludes;
  const changed = mainChanged || changedIncludes.length > 0;
  const parsedAfter = afterFile.content ? parseConfigText(afterFile.content.toString('utf8'), format) : undefined;
  let lost: ProtectedChange[] = [];
  if (changed && parsedBefore?.ok) {
    const beforeValue = resolvedBefore?.value ?? parsedBefore.value;
    const afterValue = parsedAfter?.ok ? (await resolvedConfig(spec.path, parsedAfter.value, format)).value : undefined;
    lost = harmfulChanges(protectedChanges(beforeValue, afterValue, protectedPatterns(ctx.service)));
    details.semanticDiff = parsedAfter?.ok ? semanticDiff(beforeValue, afterValue) : null;
  }
  details.diff = {
    sizeBefore: beforeFile.content?.length ?? null,
    sizeAfter: afterFile.content?.length ?? null,
    sha256Before: before ?? null,
    sha256After: afterSha ?? null,
    // Line counts only: the lines themselves carry values (tokens); what changed is in semanticDiff, by path.
    ...(beforeFile.content && afterFile.content && changed ? lineCounts(beforeFile.content, afterFile.content) : {}),
  };
  if (lost.length > 0) details.protectedLost = lost;

  const invalidAfter = afterCheck.state !== 'valid';
  // Killed mid-run (its timeout, or the daemon's abort): what it wrote is a half-done repair even when it parses.
  const unfinished = r.timedOut === true || r.aborted === true;
  const damaged = beforeFile.content !== undefined && changed && (invalidAfter || lost.length > 0 || unfinished);
  // Someone saved the file after the doctor finished (the check above takes seconds): their save is not the doctor's
  // damage, so it is not rolled back over.
  if (damaged && pre && !(await unchangedSince(afterFile))) {
    details.changedMeanwhile = true;
    const out: GuardedDoctorResult = { ...base, protectedLost: lost, changed, rolledBack: false, changedMeanwhile: true, state: (await checkFileFor(ctx)).state, message: `${ranText}${ranNote}; not rolled back: ${changedMeanwhileMessage(spec.path)}`, details };
    if (before) out.before = before;
    return out;
  }
  if (damaged && pre) {
    const evidence = afterFile.content ? await keepEvidence(afterFile.realPath, afterFile.content, { mode: narrowerMode(beforeFile.mode, afterFile.mode), owner: beforeFile.owner ?? afterFile.owner }, ctx.clock) : undefined;
    const original = await ctx.snapshots.read(pre);
    // A rollback lands only on what the doctor left (compared right before the rename).
    const sameFile = afterFile.realPath === beforeFile.realPath;
    if (!mainChanged) {
      // Only included files changed: the main file is left as it is.
    } else if (!sameFile) await putBackFile(beforeFile.realPath, original, beforeFile.mode, beforeFile.owner);
    else if (!(await putBackIfUnchanged(afterFile, original, beforeFile.mode, beforeFile.owner))) {
      details.changedMeanwhile = true;
      const out: GuardedDoctorResult = { ...base, protectedLost: lost, changed, rolledBack: false, changedMeanwhile: true, state: (await checkFileFor(ctx)).state, message: `${ranText}${ranNote}; not rolled back: ${changedMeanwhileMessage(spec.path)}; the doctor's version is kept at ${evidence ?? '(none)'}`, details };
      if (before) out.before = before;
      return out;
    }
    const includes = await rollBackIncludes(ctx, included, changedIncludes);
    if (includes.rolledBack.length > 0 || includes.notes.length > 0) details.includesRolledBack = includes;
    const chain = await putBackBackupChain(spec.path, spec.backupGlobs, backups);
    if (chain.putBack.length > 0 || chain.notes.length > 0) details.backupsPutBack = chain;
    details.rolledBack = true;
    details.evidence = mainChanged ? (evidence ?? null) : null;
    const why = lost.length > 0
      ? `it ${lost.map((c) => `${c.change} ${c.path}`).join(', ')} (protected)`
      : invalidAfter
        ? `the config became ${afterCheck.state}${afterCheck.error ? ` (${afterCheck.error.slice(0, 200)})` : ''}`
        : 'it was killed before it finished, so its change to the config is not trusted';
    const out: GuardedDoctorResult = {
      ...base,
      protectedLost: lost,
      changed,
      rolledBack: true,
      state: (await checkFileFor(ctx)).state,
      message:
        `${DOCTOR_ROLLED_BACK}: ${ranText}, ${why}${ranNote}; ` +
        (mainChanged ? (evidence ? `its version is kept at ${evidence}` : 'it had deleted the file') : `${spec.path} itself was not changed`) +
        (includes.rolledBack.length > 0 ? `; included file(s) it changed, rolled back: ${includes.rolledBack.map((r) => `${r.file}${r.evidence ? ` (its version kept at ${r.evidence})` : ' (it had deleted it)'}`).join(', ')}` : '') +
        (includes.notes.length > 0 ? `; ${includes.notes.join('; ')}` : '') +
        (chain.putBack.length > 0 ? `; backups it rotated, put back: ${chain.putBack.join(', ')}` : '') +
        (chain.notes.length > 0 ? `; ${chain.notes.join('; ')}` : ''),
      after: sha256(original),
      details,
    };
    if (before) out.before = before;
    return out;
  }

  // Kept: a doctor run as root that wrote by rename left a file of root's where the service's user owned one (the
  // service could no longer read its config). The owner the files had before comes back; their bytes stay the doctor's.
  const owners = await keepOwners([{ file: spec.path, read: beforeFile }, ...[...included].map(([file, i]) => ({ file, read: i.read }))]);
  if (owners.length > 0) {
    details.ownerRestored = owners;
    ranNote += `; ${owners.join('; ')}`;
  }
  // Kept too: the user's oldest backup copies its rotation pushed off the end of the chain.
  const pushed = await keepPushedOut(spec.path, spec.backupGlobs, backups, backupEvidenceDir(ctx.stateDir, ctx.service.name), ctx.clock, staged).catch((err: Error) => {
    ranNote += `; backup copies its rotation pushed out could not be kept: ${(err as NodeJS.ErrnoException).code ?? err.message}`;
    return [] as string[];
  });
  if (pushed.length > 0) {
    details.backupsKept = pushed;
    ranNote += `; backup copies its rotation pushed out of the chain, kept at ${pushed.join(', ')}`;
  }
  // Kept too: the doctor rewrote the whole file (openclaw's as plain JSON, the user's comments and JSON5 gone). The same
  // settings are put onto the user's own text when that parses to exactly its result and validates; else the loss is said.
  // What it switched off (openclaw's disables every skill it finds unusable here, the user's own enabled ones too) is named.
  let afterSha2 = afterSha;
  if (mainChanged && parsedBefore?.ok && parsedAfter?.ok && beforeFile.content && afterFile.content && afterCheck.state === 'valid') {
    const beforeText = beforeFile.content.toString('utf8');
    // Only a text with more than plain JSON (comments, unquoted keys, YAML) loses anything to a rewrite as JSON.
    const rebased = isPlainJson(beforeText) ? null : rebaseOntoOriginal(beforeText, parsedBefore.value, parsedAfter.value, format);
    const where = `the original is snapshot ${pre?.id ?? '(none)'}${pre ? ` (${path.join(ctx.snapshots.dir, pre.file)})` : ''}`;
    if (typeof rebased === 'string' && rebased !== afterFile.content.toString('utf8')) {
      const bytes = Buffer.from(rebased);
      const check = await checkContentFor(ctx, bytes);
      if (check.state === 'valid' && (await putBackIfUnchanged(afterFile, bytes, narrowerMode(afterFile.mode, beforeFile.mode), beforeFile.owner ?? afterFile.owner))) {
        details.keptOnOriginalText = true;
        afterSha2 = sha256(bytes);
        ranNote += `; its changes were put onto your own text of ${spec.path} (comments and layout kept; its whole-file rewrite dropped them)`;
      } else {
        ranNote += `; it rewrote ${spec.path} whole (comments and layout of your text dropped; ${where})`;
      }
    } else if (rebased === undefined) {
      ranNote += `; it rewrote ${spec.path} whole (comments and layout of your text dropped; ${where})`;
    }
    const off = switchedOff(parsedBefore.value, parsedAfter.value);
    if (off) {
      details.switchedOff = off;
      ranNote += `; it ${off} (${where})`;
    }
  }
  const sd = details.semanticDiff as ReturnType<typeof semanticDiff> | null | undefined;
  const summary = changed ? `config changed (${sd ? describeDiff(sd) : `${beforeFile.content?.length ?? 0} -> ${afterFile.content?.length ?? 0} bytes`})` : 'config unchanged';
  const out: GuardedDoctorResult = { ...base, changed, rolledBack: false, state: afterCheck.state, message: `${ranText}; ${summary}${ranNote}`, details };
  if (before) out.before = before;
  if (afterSha2) out.after = afterSha2;
  return out;
}

/** Parses as strict JSON: nothing (comments, unquoted keys, trailing commas) for a JSON rewrite to drop. */
function isPlainJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Gives each file the owner it had before the run when the doctor's write changed it, and no wider a mode; one line per change, for the report. */
async function keepOwners(files: ReadonlyArray<{ file: string; read: CurrentFile }>): Promise<string[]> {
  const out: string[] = [];
  for (const { file, read } of files) {
    const was = read.owner;
    if (!was || read.content === undefined) continue;
    const st = await fs.stat(read.realPath).catch(() => undefined);
    if (!st?.isFile()) continue;
    // A doctor writing by rename leaves its own umask's mode (0644) where a 0600 file held tokens: what it opened up
    // is closed again (a mode it narrowed, openclaw's chmod 600, stays).
    const mode = st.mode & 0o7777;
    if (read.mode !== undefined && (mode & ~read.mode) !== 0) {
      const narrowed = mode & read.mode;
      await fs.chmod(read.realPath, narrowed).then(
        () => out.push(`${file}: mode ${mode.toString(8)} after the doctor's write, set back to ${narrowed.toString(8)} (it was ${read.mode!.toString(8)})`),
        (err: NodeJS.ErrnoException) => out.push(`${file}: the doctor's write left it mode ${mode.toString(8)} (was ${read.mode!.toString(8)}), and it could not be set back: ${err.code ?? err.message}`),
      );
    }
    if (st.uid === was.uid && st.gid === was.gid) continue;
    try {
      await fs.chown(read.realPath, was.uid, was.gid);
      out.push(`${file}: owner ${st.uid}:${st.gid} after the doctor's write, given back to ${was.uid}:${was.gid}`);
    } catch (err) {
      out.push(`${file}: the doctor's write left it owned by ${st.uid}:${st.gid} (was ${was.uid}:${was.gid}), and it could not be given back: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return out;
}

/** Puts back the included files the doctor changed, from their pre-run snapshots, keeping what it wrote as evidence. */
async function rollBackIncludes(
  ctx: DoctorContext,
  included: ReadonlyMap<string, { read: CurrentFile; entry: SnapshotEntry }>,
  changed: readonly string[],
): Promise<{ rolledBack: Array<{ file: string; evidence: string | null }>; notes: string[] }> {
  const rolledBack: Array<{ file: string; evidence: string | null }> = [];
  const notes: string[] = [];
  for (const file of changed) {
    const i = included.get(file)!;
    const now = await readCurrent(i.read.realPath);
    const evidence = now.content ? await keepEvidence(now.realPath, now.content, { mode: narrowerMode(i.read.mode, now.mode), owner: i.read.owner ?? now.owner }, ctx.clock) : undefined;
    const original = await ctx.snapshots.read(i.entry);
    if (await putBackIfUnchanged(now, original, i.read.mode, i.read.owner)) rolledBack.push({ file, evidence: evidence ?? null });
    else notes.push(`included file ${file} not rolled back: ${changedMeanwhileMessage(file)}; its pre-run copy is snapshot ${i.entry.id}`);
  }
  return { rolledBack, notes };
}
