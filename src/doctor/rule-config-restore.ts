// A broken config is repaired by the least change that makes it valid: the service's own doctor, then removing the keys the
// validator names, and only then a whole-file restore from the best-trusted copy, with the user's protected settings kept.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { detectFormat, parseConfigText, serializeConfig, sha256, type ConfigFormat } from '../platform/config-file.js';
import type { DoctorContext, Finding, FixOutcome, RepairRule } from './types.js';
import { INCLUDED_FILE_BROKEN, type ConfigCheck } from './config-validity.js';
import { checkContentFor, checkFileFor } from './validity-cache.js';
import { findBackupCandidates } from './backup-candidates.js';
import { ownerToGive } from '../platform/atomic-write.js';
import { boundEvidenceBeside, changedMeanwhileMessage, keepEvidenceOnce, prunedEvidenceNote, makeParentDirs, readCurrent, replaceKeepingEvidence, snapshotBeforeRepair, unchangedSince } from './safe-user-write.js';
import { gatherCandidates, type RestoreCandidate } from './restore-candidates.js';
import { carryOverText, harmfulChanges, isCredentialPath, isSecretRef, missingProtected, protectedChanges, protectedPatterns } from './protected-settings.js';
import { getPath } from './config-paths.js';
import { restoreLossNote, semanticDiff } from './semantic-diff.js';
import { unknownKeyPaths, withoutPaths } from './named-keys.js';
import { removeKeysFromText, rewriteWords, type TextEditNote } from './text-key-removal.js';
import { revertNamedValues } from './revert-named-values.js';
import { runGuardedServiceDoctor } from './guarded-service-doctor.js';
import { redactedPlaceholders } from './redacted-placeholders.js';
import { configWriteBlock } from './config-write-guard.js';
import { describeIncludeProblems, directlyIncludedFiles, includeDirectives, includedFilesInText, includeProblems, resolvedConfig } from '../platform/config-includes.js';
import { newerConfigMessage, newerConfigWriter } from './newer-config.js';
import { protectedChangedThroughIncludes } from './include-shadowing.js';
import { unparsedProtectedNote } from './unparsed-protected.js';
import { KEY_REMOVAL_ROUNDS, REPAIR_VALIDATIONS_MAX, RESTORE_VALIDATIONS_MAX } from './repair-bounds.js';
import { cutCauseText } from './cut-cause.js';
import { includedChangedSinceHealthy, includeProblemsOfUnparseable, restoreChangedIncludedFiles, restoreIncludedFiles, type IncludedRestore } from './included-snapshots.js';

export const CONFIG_RESTORE = 'config-restore';
export const NO_LAST_KNOWN_GOOD = 'no last-known-good config to restore';

export { RESTORE_VALIDATIONS_MAX, REPAIR_VALIDATIONS_MAX };

/** One line of the journal's account of the candidates considered. */
export interface CandidateVerdict {
  source: RestoreCandidate['source'];
  trust: RestoreCandidate['trust'];
  ref: string;
  ageSeconds: number;
  verdict: string;
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

export function configRestoreRule(): RepairRule {
  return {
    id: CONFIG_RESTORE,

    async detect(ctx) {
      const spec = ctx.service.configFile;
      if (!spec) return [];
      const check = await checkFileFor(ctx);
      if (check.state === 'valid') return [];
      const snapshots = (await ctx.snapshots.list('last-known-good')).length;
      const backups = (await findBackupCandidates(spec.path, spec.backupGlobs)).length;
      const base = { id: `${CONFIG_RESTORE}:${spec.path}`, rule: CONFIG_RESTORE, severity: 'critical' as const };
      if (check.validator === 'unavailable') {
        return [{ ...base, title: 'config validator could not run', evidence: `${spec.path}: ${check.error ?? ''}`, fix: 'fix configFile.validateCommand', fixable: false }];
      }
      // Something else stands at the path (a FIFO, a directory, a device, an oversized file): it is not missing, and a
      // restore would replace what someone put there (a FIFO fed by a secrets tool, say). Named, left for a person.
      const other = check.state === 'missing' ? (await readCurrent(spec.path)).notAFile : undefined;
      if (other) {
        return [
          {
            ...base,
            title: `config path is ${other}, not a config file`,
            evidence: `${spec.path}: ${check.error ?? other}`,
            fix: `look at what put ${other} at ${spec.path} and replace it with the config file (Clawback leaves it as it is: it may be someone's on purpose)`,
            fixable: false,
          },
        ];
      }
      // There but unreadable to us (a mode or owner change, an I/O error): a restore would overwrite a file that may be
      // fine, unseen. Named with its error, left for a person.
      if (check.state === 'unreadable') {
        return [
          {
            ...base,
            title: `config file cannot be read${errnoOf(check.error)}`,
            evidence: `${spec.path}: ${check.error ?? 'unreadable'}`,
            fix: `make ${spec.path} readable by the user Clawback runs as (uid ${process.getuid?.() ?? '?'}), or look at the disk; Clawback does not restore over a file it cannot read`,
            fixable: false,
          },
        ];
      }
      const candidates = snapshots + backups;
      const format = detectFormat(spec.path, spec.format);
      const parsed = check.content ? parseConfigText(check.content.toString('utf8'), format) : undefined;
      const includes = parsed?.ok ? await includeProblems(spec.path, parsed.value, format) : [];
      const unparsedIncludes = parsed && !parsed.ok ? await includeProblemsOfUnparseable(ctx, spec.path, check.content!.toString('utf8'), format) : undefined;
      const named = check.state === 'invalid' && check.output ? unknownKeyPaths(check.output.stdout, check.output.stderr) : undefined;
      const least = check.state === 'invalid' && (!!ctx.service.doctor.command || named !== undefined);
      const f: Finding = {
        ...base,
        title: `config file ${check.state}`,
        evidence:
          `${spec.path}: ${check.error ?? check.state}; ` +
          (includes.length > 0 && !check.error?.startsWith(INCLUDED_FILE_BROKEN) ? `the fault is in an included file: ${describeIncludeProblems(includes)}; ` : '') +
          (unparsedIncludes ? `included file(s) it names are broken too: ${describeIncludeProblems(unparsedIncludes.problems)}; ` : '') +
          (candidates > 0 ? `${snapshots} last-known-good snapshot(s) and ${backups} backup file(s) to try` : NO_LAST_KNOWN_GOOD),
        fixable: candidates > 0 || least,
      };
      const blocked = await configWriteBlock(ctx.service);
      if (blocked) return [{ ...f, fix: `repair it where it is managed: ${blocked}`, fixable: false }];
      const newer = check.state === 'invalid' && parsed?.ok ? await newerConfigWriter(ctx, parsed.value) : undefined;
      if (newer) return [{ ...f, fix: newerConfigMessage(spec.path, newer, named), fixable: false }];
      const steps: string[] = [];
      if (check.state === 'invalid' && ctx.service.doctor.command) steps.push(`run \`${ctx.service.doctor.command.join(' ')}\` (snapshotted, rolled back if it fails or touches a protected setting)`);
      if (named) steps.push(`remove ${named.join(', ')} (named by the validator)`);
      if (includes.length > 0) steps.push('put back the faulty included file(s) from the copies seen healthy, if Clawback kept them (snapshotted first, the broken file kept beside it)');
      else if (check.state === 'invalid' && parsed?.ok && includeDirectives(parsed.value).length > 0) steps.push('put back included file(s) changed since seen healthy, if Clawback kept copies (one at a time first; snapshotted, the changed file kept beside it, undone unless the config validates)');
      if (unparsedIncludes) steps.push('put back the broken included file(s) from the copies seen healthy and restore the best-trusted copy of the main file valid with them (both broken files kept beside them; the included files put back as they were when no copy is valid)');
      else if (candidates > 0) steps.push('restore the best-trusted valid copy, keeping protected settings; the broken file is kept beside it');
      if (steps.length > 0) f.fix = steps.join(', else ');
      return [f];
    },

    async fix(ctx, finding) {
      const spec = ctx.service.configFile;
      if (!spec) return { finding, applied: false, verified: false, message: 'no configFile' };
      const now = await checkFileFor(ctx);
      if (now.state === 'valid') return { finding, applied: false, verified: true, message: 'config file is valid again; nothing to restore' };
      if (now.state === 'unreadable') return { finding, applied: false, verified: false, message: `not repaired: ${now.error ?? `${spec.path} cannot be read`}; nothing written` };

      const blocked = await configWriteBlock(ctx.service);
      if (blocked) return { finding, applied: false, verified: false, message: `not repaired: ${blocked}; nothing written`, details: { method: 'none', blocked } };
      const format = detectFormat(spec.path, spec.format);
      const current = await readCurrent(spec.path);
      if (current.notAFile) {
        const message = `not repaired: ${spec.path} is ${current.notAFile} in place of the config file; nothing written, it is left as it is for a human to look at (replace it with a regular file)`;
        return { finding, applied: false, verified: false, message, details: { method: 'none', found: current.notAFile, realPath: current.realPath } };
      }
      const pre = await snapshotBeforeRepair(ctx.snapshots, spec.path, current, 'before config repair');
      const before = current.content ? sha256(current.content) : undefined;
      const broken: Parsed | undefined = current.content ? parseConfigText(current.content.toString('utf8'), format) : undefined;
      const attempts: string[] = [];
      let cutNote = '';
      const withBefore = (o: FixOutcome): FixOutcome => {
        const said = cutNote ? { ...o, message: `${cutNote}${o.message}`, details: { ...o.details, serviceDoctorCut: cutNote.slice(0, -2) } } : o;
        return before ? { ...said, before } : said;
      };

      // A newer version's config: every step below would drop (or, for a restore, replace) that version's settings.
      const newer = now.state === 'invalid' && broken?.ok ? await newerConfigWriter(ctx, broken.value) : undefined;
      if (newer) {
        const named = now.output ? unknownKeyPaths(now.output.stdout, now.output.stderr) : undefined;
        return withBefore({
          finding,
          applied: false,
          verified: false,
          message: `not repaired: ${newerConfigMessage(spec.path, newer, named)}; nothing written${pre ? `, the file is snapshotted as ${pre.id}` : ''}`,
          details: { method: 'none', newerConfig: { ...newer }, unknownKeys: named ?? [], preRepairSnapshot: pre?.id ?? null },
        });
      }

      // 1. Least change for a file that parses: the service's own doctor, under guard.
      if (now.state === 'invalid' && ctx.service.doctor.command) {
        // Refused (its backup copies could not be kept first): said, and the steps below that need no evidence dir go on.
        const g = await runGuardedServiceDoctor(ctx).catch((err: Error) => {
          attempts.push(`service doctor: ${err.message}`);
          return undefined;
        });
        if (g) attempts.push(`service doctor: ${g.message}`);
        // Cut at its timeout: said in the answer (whatever the steps below do), not only in the details.
        if (g?.run.timedOut) cutNote = `${String(g.details.cut)}; `;
        if (g?.changedMeanwhile) return changedMeanwhile(finding, spec.path, before, attempts);
        if (g && g.ran && !g.rolledBack && g.state === 'valid') {
          return withBefore({
            finding,
            applied: true,
            verified: false,
            message: `repaired by the service's own doctor: ${g.message}`,
            ...(g.after ? { after: g.after } : {}),
            details: { ...g.details, method: 'service-doctor', preRepairSnapshot: pre?.id ?? null, attempts },
          });
        }
      }

      // 2. Least change without the service's help: remove exactly the keys the validator names.
      if (now.state === 'invalid' && broken?.ok) {
        const removal = await removeNamedKeys(ctx, current.content!.toString('utf8'), broken.value, now, format);
        attempts.push(`remove named keys: ${removal.message}`);
        if (removal.content) {
          if (!(await unchangedSince(current))) return changedMeanwhile(finding, spec.path, before, attempts);
          const kept = await keepEvidenceOnce(current.realPath, current.content!, current, ctx.clock);
          const evidence = kept.path;
          if (!(await replaceKeepingEvidence(current, kept.created ? evidence : undefined, removal.content, current.mode))) return changedMeanwhile(finding, spec.path, before, attempts, evidence);
          const pruned = await boundEvidenceBeside(current.realPath, evidence);
          return withBefore({
            finding,
            applied: true,
            verified: false,
            message:
              `removed ${removal.removed.join(', ')} (named by the validator as unknown); ` +
              (removal.rewritten ? `the file had to be rewritten whole (${rewriteWords(current.content!.toString('utf8'), removal.content.toString('utf8'), format)})` : 'nothing else changed') +
              `; the original is kept at ${evidence}${prunedEvidenceNote(pruned)}`,
            after: sha256(removal.content),
            details: {
              method: 'remove-named-keys',
              removed: removal.removed,
              rewritten: removal.rewritten ?? false,
              semanticDiff: semanticDiff(broken.value, removal.value),
              evidence,
              prunedEvidence: pruned,
              preRepairSnapshot: pre?.id ?? null,
              attempts,
            },
          });
        }
        // A rejected value: only the named settings go back to the copy seen healthy, not the whole file (keys added since kept).
        const back = await revertNamedValues(ctx, current.content!.toString('utf8'), broken.value, now, format);
        attempts.push(`put back named settings: ${back.message}`);
        if (back.content) {
          if (!(await unchangedSince(current))) return changedMeanwhile(finding, spec.path, before, attempts);
          const kept = await keepEvidenceOnce(current.realPath, current.content!, current, ctx.clock);
          const evidence = kept.path;
          if (!(await replaceKeepingEvidence(current, kept.created ? evidence : undefined, back.content, current.mode))) return changedMeanwhile(finding, spec.path, before, attempts, evidence);
          const pruned = await boundEvidenceBeside(current.realPath, evidence);
          return withBefore({
            finding,
            applied: true,
            verified: false,
            message:
              `put back ${back.reverted.join(', ')} (named by the validator) as ${back.from} had them; ` +
              (back.removed?.length ? `removed ${back.removed.join(', ')} (named by the validator as unknown); ` : '') +
              (back.rewritten ? `the file had to be rewritten whole (${rewriteWords(current.content!.toString('utf8'), back.content.toString('utf8'), format)})` : 'every other setting kept as it is') +
              `; the original is kept at ${evidence}${prunedEvidenceNote(pruned)}`,
            after: sha256(back.content),
            details: {
              method: 'revert-named-values',
              reverted: back.reverted,
              removed: back.removed ?? [],
              from: back.from,
              rewritten: back.rewritten ?? false,
              semanticDiff: semanticDiff(broken.value, back.value),
              evidence,
              prunedEvidence: pruned,
              preRepairSnapshot: pre?.id ?? null,
              attempts,
            },
          });
        }
      }

      // 3. The fault is in an included file (the main file parses): put back the included copies seen healthy.
      const includes = broken?.ok ? await includeProblems(spec.path, broken.value, format) : [];
      let includeNote = '';
      const main = broken?.ok ? { configPath: spec.path, value: broken.value, format } : undefined;
      // Every included file parses, yet the config is invalid: an included file changed since seen healthy may hold the fault.
      const changed = main && includes.length === 0 && now.state === 'invalid' ? await includedChangedSinceHealthy(ctx, main) : [];
      if (main && changed.length > 0) {
        const r = await restoreChangedIncludedFiles(ctx, main, changed);
        attempts.push(`restore included files changed since seen healthy: ${r.message}`);
        includeNote = `included file(s) changed since seen healthy (${changed.map((c) => c.file).join(', ')}) not put back: ${r.message}; `;
        if (r.applied) {
          return withBefore({
            finding,
            applied: true,
            verified: false,
            message: `the fault was in an included file changed since seen healthy: ${r.message}; ${spec.path} left untouched`,
            details: { method: 'restore-included', restored: r.restored, preRepairSnapshot: pre?.id ?? null, attempts },
          });
        }
      }
      // Copies that do not make the config valid alone stay while a main-file copy is judged with them (both broken at once).
      let pendingIncludes: IncludedRestore['pending'];
      if (main && includes.length > 0) {
        const r = await restoreIncludedFiles(ctx, main, includes, { keepInvalid: true });
        pendingIncludes = r.pending;
        attempts.push(`restore included files: ${r.message}`);
        if (r.applied) {
          return withBefore({
            finding,
            applied: true,
            verified: false,
            message: `the fault was in an included file: ${r.message}; ${spec.path} left untouched`,
            details: { method: 'restore-included', restored: r.restored, preRepairSnapshot: pre?.id ?? null, attempts },
          });
        }
        includeNote = r.message;
      }
      // A main file that does not parse names its includes in its text: faulty ones are staged the same way, so a copy
      // of the main file seen healthy is judged with the included copies seen healthy, not with the broken files.
      const unparsedIncludes = broken && !broken.ok ? await includeProblemsOfUnparseable(ctx, spec.path, current.content!.toString('utf8'), format) : undefined;
      if (unparsedIncludes) {
        const r = await restoreIncludedFiles(ctx, unparsedIncludes.main, unparsedIncludes.problems, { keepInvalid: true });
        pendingIncludes = r.pending;
        attempts.push(`restore included files: ${r.message}`);
        includeNote = r.message;
      }

      // 4. Whole-file restore from the best-trusted valid copy.
      const verdicts: CandidateVerdict[] = [];
      const undoIncludes = async (): Promise<void> => {
        if (pendingIncludes) await pendingIncludes.undo();
      };
      // Included copies staged above are put back as they were if anything below throws (a full disk under the main file's
      // evidence, EIO on its rename): a half repair (includes restored, main file still broken) is never left behind.
      let chosen: Awaited<ReturnType<typeof chooseCandidate>>;
      let evidence: string | undefined;
      let pruned: string[] = [];
      try {
        const walk: RestoreWalk = { untried: 0 };
        chosen = await chooseCandidate(ctx, broken, current.content?.toString('utf8'), before, format, verdicts, walk);
        // Cancelled during the walk (or just after it chose): nothing is written after the cut, the copies left are named.
        const cutShort = async (): Promise<FixOutcome> => {
          await undoIncludes();
          const left = walk.cut ? walk.untried : chosen ? 0 : walk.untried;
          return withBefore({
            finding,
            applied: false,
            verified: false,
            message: `restore cut short: the doctor run was cancelled (${cutCauseText(ctx.signal)}) after ${verdicts.length} of ${walk.total ?? verdicts.length + left} candidate copies${left > 0 ? `, ${left} not tried` : ''}${chosen ? ` (${chosen.candidate.label} was chosen but not written)` : ''}; ${spec.path} left untouched`,
            details: { method: 'restore', cut: true, candidates: verdicts, attempts, untried: left, ...(chosen ? { chosenNotWritten: chosen.candidate.ref } : {}) },
          });
        };
        if (walk.cut || ctx.signal?.aborted) return await cutShort();
        if (!chosen) {
          await undoIncludes();
          if (pendingIncludes) includeNote = `${includeNote}; no copy of the main file is valid with them either, so they were put back as they were`;
          const tried = verdicts.length;
          return withBefore({
            finding,
            applied: false,
            verified: false,
            message:
              (includes.length > 0 ? `the fault is in an included file, which Clawback could not put back (${includeNote}): ${describeIncludeProblems(includes)}; fix it by hand; ` : includeNote) +
              `${NO_LAST_KNOWN_GOOD}${tried > 0 ? ` (${tried} candidate(s) considered, none usable: ${verdicts.map((v) => `${path.basename(v.ref)}: ${v.verdict}`).join('; ').slice(0, 600)})` : ''}; ` +
              (walk.untried > 0 ? `${walk.untried} older copies not tried (a repair validates at most ${RESTORE_VALIDATIONS_MAX}); ` : '') +
              `${spec.path} left untouched`,
            details: { method: 'restore', candidates: verdicts, attempts, tried: verdicts.map((v) => `${v.source} ${v.ref}: ${v.verdict}`), untried: walk.untried },
          });
        }

        if (!(await unchangedSince(current))) {
          await undoIncludes();
          return changedMeanwhile(finding, spec.path, before, attempts);
        }
        const kept = current.content ? await keepEvidenceOnce(current.realPath, current.content, current, ctx.clock) : undefined;
        evidence = kept?.path;
        // A deleted config comes back owned as the copy records it (the service's user must read it), like its directory.
        const owner = current.owner ?? ownerToGive(chosen.candidate.owner);
        await makeParentDirs(current.realPath, owner);
        // A cancel landing after the choice and before the rename wins: nothing is written, the evidence this run wrote of
        // bytes still in place goes, and the outcome says so (it said "restored" while the run had been cut).
        if (!(await replaceKeepingEvidence(current, kept?.created ? evidence : undefined, chosen.content, current.mode ?? chosen.candidate.mode, owner, ctx.signal))) {
          if (ctx.signal?.aborted) {
            if (kept?.created && (await unchangedSince(current).catch(() => false))) await fs.rm(kept.path, { force: true }).catch(() => undefined);
            return await cutShort();
          }
          await undoIncludes();
          return changedMeanwhile(finding, spec.path, before, attempts, evidence);
        }
        pruned = evidence ? await boundEvidenceBeside(current.realPath, evidence) : [];
      } catch (err) {
        await undoIncludes().catch(() => undefined);
        throw err;
      }
      const alsoIncluded = pendingIncludes ? `; the included file(s) were broken too: ${pendingIncludes.message}` : '';
      const after = sha256(chosen.content);
      const restored = parseConfigText(chosen.content.toString('utf8'), format);
      const diff = broken?.ok && restored.ok ? semanticDiff(broken.value, restored.value) : null;
      const protectedAfter = broken?.ok && restored.ok ? harmfulChanges(protectedChanges(broken.value, restored.value, protectedPatterns(ctx.service))) : [];
      const carried =
        (chosen.carried.length > 0 ? `; protected settings carried over from the broken file: ${chosen.carried.map((p) => carriedLabel(broken, p)).join(', ')}` : '') +
        (chosen.dropped.length > 0 ? `; protected settings of the copy left out, as the broken file has none (removed by the user, it stays removed): ${chosen.dropped.join(', ')}` : '') +
        (chosen.kept.length > 0 ? `; credentials of the copy kept though the broken file has none (a repair never drops a credential): ${chosen.kept.join(', ')}` : '') +
        (chosen.replaced.length > 0 ? `; credentials of the copy left out, as the broken file chose another beside them (its own credential or mode kept, one method set): ${chosen.replaced.join(', ')}` : '') +
        overwrittenNote(broken, chosen.carried, chosen.overwritten);
      const unparsed = broken && !broken.ok && restored.ok && evidence && current.content ? unparsedProtectedNote(current.content.toString('utf8'), restored.value, protectedPatterns(ctx.service), evidence) : { note: '', paths: [] };
      // Every edit made since the copy that the copy does not have is lost: named in the message, not only in details.
      const lost =
        broken?.ok && restored.ok
          ? restoreLossNote(broken.value, restored.value, evidence)
          : broken && !broken.ok && evidence
            ? `; the broken file did not parse, so the settings it held that the copy lacks cannot be listed: compare it with the restored file`
            : '';
      // The copy's text could not take the user's settings in place: serialized anew, its comments and layout are gone.
      // Said as what the rewrite was for (the copy's keys the user removed cut, their settings carried in), and the kept
      // file named once: it is both the broken file and the user's own text.
      const rewrote = chosen.rewritten ? `; the restored copy had to be rewritten whole to ${rewritePurpose(chosen)} (${chosen.rewriteWords})` : '';
      const overridden = protectedAfter.length > 0 ? `; WARNING protected settings differ from the broken file: ${protectedAfter.map((c) => `${c.path} ${c.change}`).join(', ')}` : '';
      return withBefore({
        finding,
        applied: true,
        verified: false,
        message:
          `restored ${chosen.candidate.label} (sha256 ${after.slice(0, 12)}, ${chosen.why}) to ${spec.path}${carried}${rewrote}${overridden}${lost}${unparsed.note}; ` +
          (evidence
            ? `${chosen.rewritten ? `your file's own text is kept at ${evidence} (the broken file, as you wrote it)` : `the broken file is kept at ${evidence}`}${prunedEvidenceNote(pruned)}`
            : 'the config file had been deleted, so there was no broken file to keep') +
          alsoIncluded,
        after,
        details: {
          method: 'restore',
          source: chosen.candidate.source,
          trust: chosen.candidate.trust,
          from: chosen.candidate.ref,
          why: chosen.why,
          candidates: verdicts,
          carried: chosen.carried,
          droppedProtected: chosen.dropped,
          keptCredentials: chosen.kept,
          replacedCredentials: chosen.replaced,
          overwrittenProtected: chosen.overwritten,
          rewritten: chosen.rewritten,
          protectedChanged: protectedAfter,
          ...(unparsed.note ? { protectedNotCarried: unparsed.paths } : {}),
          semanticDiff: diff,
          evidence: evidence ?? null,
          prunedEvidence: pruned,
          preRepairSnapshot: pre?.id ?? null,
          restoredIncluded: pendingIncludes?.restored ?? [],
          attempts,
          tried: verdicts.filter((v) => v.ref !== chosen.candidate.ref).map((v) => `${v.source} ${v.ref}: ${v.verdict}`),
        },
      });
    },

    async verify(ctx) {
      if (!ctx.service.configFile) return true;
      return (await checkFileFor(ctx)).state === 'valid';
    },
  };
}

/** The file changed under the repair (a user saving it): nothing was written; verify judges what they saved. */
function changedMeanwhile(finding: Finding, file: string, before: string | undefined, attempts: string[], evidence?: string): FixOutcome {
  const o: FixOutcome = {
    finding,
    applied: false,
    verified: false,
    message: changedMeanwhileMessage(file),
    details: { method: 'none', changedMeanwhile: true, attempts, ...(evidence ? { evidence } : {}) },
  };
  if (before) o.before = before;
  return o;
}

interface Removal {
  content?: Buffer;
  value?: unknown;
  removed: string[];
  message: string;
  /** The keys could not be cut from the text itself, so the file was serialized anew (comments lost). */
  rewritten?: boolean;
}

/**
 * Removes what the validator names as unknown, validates again, up to KEY_REMOVAL_ROUNDS; protected settings are never
 * removed. The keys are cut from the file's own text (comments and layout kept); only when that is not possible is the
 * parsed value serialized anew.
 */
async function removeNamedKeys(ctx: DoctorContext, original: string, value: unknown, check: ConfigCheck, format: ConfigFormat): Promise<Removal> {
  const patterns = protectedPatterns(ctx.service);
  const removed: string[] = [];
  let cur = value;
  let text: string | undefined = original;
  let last = check;
  // A YAML text printed anew (layout lost) in any round is a rewrite, said as one.
  const said: TextEditNote = {};
  for (let round = 0; round < KEY_REMOVAL_ROUNDS; round++) {
    const named = last.output ? unknownKeyPaths(last.output.stdout, last.output.stderr) : undefined;
    if (!named) return { removed, message: round === 0 ? 'the validator names no unknown key (or names other problems too)' : `still invalid after removing ${removed.join(', ')}: ${last.error ?? ''}`.slice(0, 400) };
    const next = withoutPaths(cur, named);
    if (next.removed.length === 0) return { removed, message: `the named keys (${named.join(', ')}) are not in the file` };
    const lost = harmfulChanges(protectedChanges(cur, next.value, patterns));
    if (lost.length > 0) return { removed, message: `would remove protected settings (${lost.map((c) => c.path).join(', ')}); not done` };
    removed.push(...next.removed);
    cur = next.value;
    text = text === undefined ? undefined : removeKeysFromText(text, next.removed, format, cur, said);
    const content = Buffer.from(text ?? serializeConfig(cur, format, original));
    last = await checkContentFor(ctx, content);
    if (last.state === 'valid') return { content, value: cur, removed, message: `removed ${removed.join(', ')}`, rewritten: text === undefined || said.reprinted === true };
  }
  return { removed, message: `still invalid after ${KEY_REMOVAL_ROUNDS} rounds` };
}

/** What the walk over the candidates did not do: copies left untried, and whether the run's cancellation cut it. */
interface RestoreWalk {
  untried: number;
  total?: number;
  cut?: boolean;
}

interface Chosen {
  candidate: RestoreCandidate;
  content: Buffer;
  carried: string[];
  /** Protected settings of the copy the broken file does not have, left out (the user removed them). */
  dropped: string[];
  /** Credentials of the copy the broken file does not have, kept (a repair never drops a credential). */
  kept: string[];
  /** Credentials of the copy left out: the broken file chose another method beside them (its own credential or mode). */
  replaced: string[];
  /** The copy's protected settings under a value of the user's carried in that lacks them (their emptied gateway.auth). */
  overwritten: string[];
  /** The user's settings could not be edited into the copy's own text: it was serialized anew (its comments and layout lost). */
  rewritten: boolean;
  /** What the rewrite kept, from the copy's bytes and those written ("comments and layout not kept", or its comments kept). */
  rewriteWords: string;
  why: string;
}

const ageOf = (ctx: DoctorContext, c: RestoreCandidate): number => Math.max(0, Math.round((ctx.clock.now() - c.time) / 1000));

/**
 * Walks the ranked candidates. Where the broken file parses, its protected settings are carried into
 * the candidate; where it does not, a candidate lacking a protected setting that an older trusted
 * candidate has is refused. Every candidate considered gets a verdict.
 */
async function chooseCandidate(
  ctx: DoctorContext,
  broken: Parsed | undefined,
  brokenText: string | undefined,
  brokenSha: string | undefined,
  format: ConfigFormat,
  verdicts: CandidateVerdict[],
  walk: RestoreWalk = { untried: 0 },
): Promise<Chosen | undefined> {
  const patterns = protectedPatterns(ctx.service);
  const configPath = ctx.service.configFile!.path;
  // A broken file that does not parse still names the files it includes (up to where it was cut).
  const namedIncludes = !broken?.ok && brokenText !== undefined ? includedFilesInText(configPath, brokenText) : [];
  let brokenResolved: unknown;
  const ranked = await gatherCandidates(ctx);
  // Each copy's bytes are read when judged and let go after: kept for the whole walk, 300 unparseable 15 MiB backups
  // (none counted toward the bound) held 4.7 GB at once. Only the parsed trusted copies are kept (the older copies the
  // protected-settings check below compares with; the snapshot store keeps a bounded number), never a backup's bytes.
  const load = (c: RestoreCandidate): Promise<Buffer | Error> => c.read().catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  const parse = (b: Buffer | Error): Parsed => (b instanceof Error ? { ok: false, error: b.message } : parseConfigText(b.toString('utf8'), format));
  const trusted = new Map<string, Parsed>();
  const parsedOf = async (c: RestoreCandidate): Promise<Parsed> => {
    if (c.trust === 'backup') return parse(await load(c));
    if (!trusted.has(c.ref)) trusted.set(c.ref, parse(await load(c)));
    return trusted.get(c.ref)!;
  };
  let validations = 0;
  walk.total = ranked.length;
  for (let i = 0; i < ranked.length; i++) {
    const c = ranked[i]!;
    // Bounded in time too: the run was cancelled (the reducer's deadline, a stop, a person taking over). Every copy left
    // is counted, not read: 300 unparseable 15 MiB copies went on being read for 10 s after the cut, the lock held.
    if (ctx.signal?.aborted) {
      walk.untried = ranked.length - i;
      walk.cut = true;
      break;
    }
    // Bounded: the copies past the last validation allowed are counted, not read nor validated.
    if (validations >= RESTORE_VALIDATIONS_MAX) {
      walk.untried = ranked.length - i;
      break;
    }
    const v: CandidateVerdict = { source: c.source, trust: c.trust, ref: c.ref, ageSeconds: ageOf(ctx, c), verdict: '' };
    verdicts.push(v);
    const content = await load(c);
    if (content instanceof Error) {
      v.verdict = `unreadable: ${content.message}`;
      continue;
    }
    if (sha256(content) === brokenSha) {
      v.verdict = 'same bytes as the broken file';
      continue;
    }
    const parsed = parse(content);
    if (c.trust !== 'backup') trusted.set(c.ref, parsed);
    if (!parsed.ok) {
      v.verdict = `unparseable: ${parsed.error.slice(0, 160)}`;
      continue;
    }
    let out = content;
    let carried: string[] = [];
    let dropped: string[] = [];
    let keptCredentials: string[] = [];
    let replaced: string[] = [];
    let overwritten: string[] = [];
    let rewritten = false;
    let value = parsed.value;
    if (broken?.ok) {
      // The user's protected settings as they are: changed ones carried in, removed ones (TLS turned off) taken out,
      // but a credential the broken file lacks (a template without gateway.auth) is the copy's, kept.
      // Kept only when the service, reading the broken file with its $includes, lacks it too (not moved into one).
      brokenResolved ??= (await resolvedConfig(configPath, broken.value, format)).value;
      const co = carryOverText(content.toString('utf8'), parsed.value, broken.value, patterns, format, { dropAbsent: true, resolvedSource: brokenResolved, ...(brokenText !== undefined ? { sourceText: brokenText } : {}) });
      keptCredentials = co.kept;
      replaced = co.replaced;
      if (co.carried.length > 0 || co.dropped.length > 0 || co.replaced.length > 0) {
        out = Buffer.from(co.text);
        carried = co.carried;
        dropped = co.dropped;
        overwritten = co.overwritten ?? [];
        value = co.value;
        rewritten = co.rewritten;
      }
    }
    if (broken?.ok) {
      const have = includeDirectives(parsed.value);
      const dropped = includeDirectives(broken.value).filter((d) => !have.includes(d));
      if (dropped.length > 0) {
        v.verdict = `refused: would drop the file's $include ${dropped.slice(0, 5).join(', ')} (the split config, and what the included files hold)`;
        continue;
      }
    }
    if (namedIncludes.length > 0) {
      const have = directlyIncludedFiles(configPath, parsed.value);
      const dropped = namedIncludes.filter((f) => !have.includes(f));
      if (dropped.length > 0) {
        v.verdict = `refused: the broken file still names $include ${dropped.slice(0, 5).map((f) => path.relative(path.dirname(configPath), f)).join(', ')}, which this copy does not include (what the included files hold, protected settings among them, would be replaced by this copy's older values)`;
        continue;
      }
    }
    const masked = redactedPlaceholders(value);
    if (masked.length > 0) {
      v.verdict = `refused: holds a redacted placeholder instead of a secret at ${masked.slice(0, 5).join(', ')}`;
      continue;
    }
    // A protected setting kept in an included file is changed by the copy's own sibling key just as surely as by a
    // rewrite of that file: judged on the config as the service resolves it.
    const shadowing: Parameters<typeof protectedChangedThroughIncludes>[0] = { configPath, format, candidate: value };
    if (broken?.ok) shadowing.broken = broken.value;
    else if (c.trust === 'healthy') shadowing.seenHealthyAt = c.time;
    const through = await protectedChangedThroughIncludes(shadowing, patterns);
    if (through.length > 0) {
      v.verdict = `refused: would change protected ${through.slice(0, 5).join(', ')} as the service reads it: the copy's own key overrides what the included file holds now (the included file is not touched, but its value would no longer apply)`;
      continue;
    }
    if (!broken?.ok && patterns.length > 0) {
      // Nothing to carry over from: refuse a copy that lost what an older trusted copy still has.
      const missing = new Set<string>();
      for (const older of ranked.slice(i + 1)) {
        if (older.trust === 'backup' || older.time > c.time) continue;
        const op = await parsedOf(older);
        if (op.ok) for (const p of missingProtected(parsed.value, op.value, patterns)) missing.add(p);
      }
      if (missing.size > 0) {
        v.verdict = `refused: lacks protected ${[...missing].sort().join(', ')}, which an older trusted copy has`;
        continue;
      }
    }
    validations++;
    const check = await checkContentFor(ctx, out);
    const kept = [...carried.map((p) => carriedLabel(broken, p)), ...dropped.map((p) => `${p} (removed by the user)`), ...replaced.map((p) => `${p} (another credential chosen by the user)`)];
    if (check.state !== 'valid' && kept.length > 0) {
      // The broken file's own protected values may be what is wrong (a token or port the user just set). Putting
      // the copy's values back would change them behind the user's back: that is a person's call, not a repair. Only
      // what was checked is said: the copy with the user's settings in (the copy alone was never validated, and may be
      // as invalid: a missing $include).
      v.verdict = `refused: invalid with the broken file's protected settings in it (${kept.join(', ')}): ${(check.error ?? check.state).slice(0, 160)}; not tried with the copy's own values instead (that would change the user's protected settings)`;
      continue;
    }
    if (check.state !== 'valid') {
      v.verdict = `${check.state}${check.error ? `: ${check.error.slice(0, 160)}` : ''}`;
      continue;
    }
    v.verdict =
      (carried.length > 0 ? `chosen, with ${carried.map((p) => carriedLabel(broken, p)).join(', ')} carried over from the broken file` : 'chosen') +
      (dropped.length > 0 ? `, without ${dropped.join(', ')} (not in the broken file: removed by the user)` : '') +
      (keptCredentials.length > 0 ? `, keeping its credentials ${keptCredentials.join(', ')} (not in the broken file: a credential is never dropped)` : '') +
      (replaced.length > 0 ? `, without its credentials ${replaced.join(', ')} (the broken file chose another beside them)` : '') +
      (overwritten.length > 0 ? `, its ${overwritten.join(', ')} gone under the broken file's own ${carried.filter((p) => overwritten.some((q) => q.startsWith(`${p}.`))).join(', ')}` : '');
    return { candidate: c, content: out, carried, dropped, kept: keptCredentials, replaced, overwritten, rewritten, rewriteWords: rewriteWords(content.toString('utf8'), out.toString('utf8'), format), why: whyChosen(c, verdicts) };
  }
  return undefined;
}

/** What a restore's rewrite was done for: carrying the user's settings in, leaving out the copy's they removed, or both. */
function rewritePurpose(chosen: Pick<Chosen, 'carried' | 'dropped' | 'replaced'>): string {
  const out = [...chosen.dropped, ...chosen.replaced];
  const parts = [...(chosen.carried.length > 0 ? ['carry the protected settings in'] : []), ...(out.length > 0 ? [`leave out ${out.join(', ')}`] : [])];
  return parts.length > 0 ? parts.join(' and ') : 'take your settings';
}

/**
 * The copy's protected settings gone under a value the user's file has (their `auth: {}` over the copy's token and
 * mode), named with what the user's value is; a credential among them is a WARNING: a person must read that it is unset.
 */
function overwrittenNote(broken: Parsed | undefined, carried: readonly string[], overwritten: readonly string[]): string {
  if (overwritten.length === 0) return '';
  const under = carried.filter((p) => overwritten.some((q) => q.startsWith(`${p}.`)));
  const empty = under.filter((p) => {
    const v = broken?.ok ? getPath(broken.value, p) : undefined;
    return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
  });
  const how = under.map((p) => (empty.includes(p) ? `${p} is empty` : `${p} lacks them`)).join(', ');
  const creds = overwritten.filter((q) => isCredentialPath(q));
  return (
    `; the copy's ${overwritten.join(', ')} are gone: your file's ${how}, and that is kept` +
    (creds.length > 0 ? `; WARNING no credential is set at ${creds.join(', ')} now (the copy had one): set one if the service needs it` : '')
  );
}

/** A carried path as said: the user's SecretRef is named as one, kept whole (not as its source, provider and id). */
function carriedLabel(broken: Parsed | undefined, p: string): string {
  return broken?.ok && isSecretRef(getPath(broken.value, p)) ? `${p} (your SecretRef, kept whole)` : p;
}

function whyChosen(c: RestoreCandidate, verdicts: readonly CandidateVerdict[]): string {
  const skipped = verdicts.length - 1;
  const trust = c.trust === 'healthy' ? 'seen healthy by Clawback' : c.trust === 'service-last-good' ? "the service's own last-good copy" : 'a backup (no trusted copy was usable)';
  return `${trust}, the newest ${c.trust === 'backup' ? 'backup' : 'trusted copy'} that validates${skipped > 0 ? ` (${skipped} better-ranked candidate(s) skipped)` : ''}`;
}

/** ": EACCES" from a read error's message, or "" when it names no errno. */
function errnoOf(error: string | undefined): string {
  const code = /\b(E[A-Z]{2,})\b/.exec(error ?? '')?.[1];
  return code ? `: ${code}` : '';
}
