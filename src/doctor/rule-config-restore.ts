// A config that is missing, unparseable or invalid is replaced by the newest valid last-known-good copy; the broken one is kept.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256 } from '../platform/config-file.js';
import type { DoctorContext, Finding, FixOutcome, RepairRule } from './types.js';
import { checkConfigContent, checkConfigFile } from './config-validity.js';
import { runnerOf } from './command-runner.js';
import { findBackupCandidates } from './backup-candidates.js';
import { keepEvidence, readCurrent, replaceFile, snapshotBeforeRepair } from './safe-user-write.js';

export const CONFIG_RESTORE = 'config-restore';
export const NO_LAST_KNOWN_GOOD = 'no last-known-good config to restore';

interface Candidate {
  label: string;
  source: 'snapshot' | 'backup';
  ref: string;
  content: Buffer;
  mode?: number;
}

export function configRestoreRule(): RepairRule {
  return {
    id: CONFIG_RESTORE,

    async detect(ctx) {
      const spec = ctx.service.configFile;
      if (!spec) return [];
      const check = await checkConfigFile(ctx.service, runnerOf(ctx));
      if (check.state === 'valid') return [];
      const snapshots = (await ctx.snapshots.list('last-known-good')).length;
      const backups = (await findBackupCandidates(spec.path, spec.backupGlobs)).length;
      const base = { id: `${CONFIG_RESTORE}:${spec.path}`, rule: CONFIG_RESTORE, severity: 'critical' as const };
      if (check.validator === 'unavailable') {
        return [{ ...base, title: 'config validator could not run', evidence: `${spec.path}: ${check.error ?? ''}`, fix: 'fix configFile.validateCommand', fixable: false }];
      }
      const candidates = snapshots + backups;
      const f: Finding = {
        ...base,
        title: `config file ${check.state}`,
        evidence:
          `${spec.path}: ${check.error ?? check.state}; ` +
          (candidates > 0 ? `${snapshots} last-known-good snapshot(s) and ${backups} backup file(s) to try` : NO_LAST_KNOWN_GOOD),
        fixable: candidates > 0,
      };
      if (candidates > 0) f.fix = 'restore the newest valid last-known-good config; the broken file is kept beside it';
      return [f];
    },

    async fix(ctx, finding) {
      const spec = ctx.service.configFile;
      if (!spec) return { finding, applied: false, verified: false, message: 'no configFile' };
      const runner = runnerOf(ctx);
      const now = await checkConfigFile(ctx.service, runner);
      if (now.state === 'valid') return { finding, applied: false, verified: true, message: 'config file is valid again; nothing to restore' };

      const current = await readCurrent(spec.path);
      const pre = await snapshotBeforeRepair(ctx.snapshots, spec.path, current, 'before config restore');
      const before = current.content ? sha256(current.content) : undefined;
      const tried: string[] = [];
      const chosen = await findValidCandidate(ctx, before, tried);
      if (!chosen) {
        const out: FixOutcome = {
          finding,
          applied: false,
          verified: false,
          message: `${NO_LAST_KNOWN_GOOD}${tried.length > 0 ? ` (${tried.length} candidate(s) tried, none valid)` : ''}; ${spec.path} left untouched`,
          details: { tried },
        };
        if (before) out.before = before;
        return out;
      }

      const evidence = current.content ? await keepEvidence(current.realPath, current.content, current.mode, ctx.clock) : undefined;
      await fs.mkdir(path.dirname(current.realPath), { recursive: true, mode: 0o700 });
      await replaceFile(current.realPath, chosen.content, current.mode ?? chosen.mode);
      const after = sha256(chosen.content);
      const out: FixOutcome = {
        finding,
        applied: true,
        verified: false,
        message:
          `restored ${chosen.label} (sha256 ${after.slice(0, 12)}) to ${spec.path}; ` +
          (evidence ? `the broken file is kept at ${evidence}` : 'the config file had been deleted, so there was no broken file to keep'),
        after,
        details: { source: chosen.source, from: chosen.ref, evidence: evidence ?? null, preRepairSnapshot: pre?.id ?? null, tried },
      };
      if (before) out.before = before;
      return out;
    },

    async verify(ctx) {
      if (!ctx.service.configFile) return true;
      return (await checkConfigFile(ctx.service, runnerOf(ctx))).state === 'valid';
    },
  };
}

/** Newest valid last-known-good snapshot, else the newest valid backup file; `tried` collects why others were skipped. */
async function findValidCandidate(ctx: DoctorContext, brokenSha: string | undefined, tried: string[]): Promise<Candidate | undefined> {
  const spec = ctx.service.configFile!;
  const runner = runnerOf(ctx);
  for (const entry of await ctx.snapshots.list('last-known-good')) {
    let content: Buffer;
    try {
      content = await ctx.snapshots.read(entry);
    } catch (err) {
      tried.push(`snapshot ${entry.id}: ${(err as Error).message}`);
      continue;
    }
    if (entry.sha256 === brokenSha) {
      tried.push(`snapshot ${entry.id}: same bytes as the broken file`);
      continue;
    }
    const c = await checkConfigContent(ctx.service, content, runner);
    if (c.state !== 'valid') {
      tried.push(`snapshot ${entry.id}: ${c.state}${c.error ? ` (${c.error.slice(0, 200)})` : ''}`);
      continue;
    }
    const cand: Candidate = { label: `last-known-good snapshot from ${entry.iso}`, source: 'snapshot', ref: entry.id, content };
    if (entry.mode !== undefined) cand.mode = entry.mode;
    return cand;
  }
  for (const b of await findBackupCandidates(spec.path, spec.backupGlobs)) {
    let content: Buffer;
    let mode: number;
    try {
      content = await fs.readFile(b.path);
      mode = (await fs.stat(b.path)).mode & 0o7777;
    } catch (err) {
      tried.push(`backup ${b.path}: ${(err as Error).message}`);
      continue;
    }
    if (sha256(content) === brokenSha) {
      tried.push(`backup ${b.path}: same bytes as the broken file`);
      continue;
    }
    const c = await checkConfigContent(ctx.service, content, runner);
    if (c.state !== 'valid') {
      tried.push(`backup ${b.path}: ${c.state}${c.error ? ` (${c.error.slice(0, 200)})` : ''}`);
      continue;
    }
    return { label: `backup file ${b.path}`, source: 'backup', ref: b.path, content, mode };
  }
  return undefined;
}
