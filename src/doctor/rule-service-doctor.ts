// The service's own doctor (e.g. `openclaw doctor --fix`) knows things we don't, but it must not be the one to break the config.
import { sha256 } from '../platform/config-file.js';
import type { Finding, FixOutcome, RepairRule } from './types.js';
import { checkConfigFile } from './config-validity.js';
import { describeRun, runnerOf, serviceEnv } from './command-runner.js';
import { keepEvidence, readCurrent, replaceFile, snapshotBeforeRepair } from './safe-user-write.js';
import { lineDiff } from './line-diff.js';

export const SERVICE_DOCTOR = 'service-doctor';
export const DOCTOR_ROLLED_BACK = 'service doctor damaged the config; rolled back';

export interface ServiceDoctorOptions {
  /** Run it even when the config is valid (the ladder's "restarts don't hold" case). Default false. */
  always?: boolean;
  /** Characters of stdout/stderr kept in the outcome (the tail). Default 4000. */
  maxOutputChars?: number;
}

interface LastRun {
  ok: boolean;
  rolledBack: boolean;
}

export function serviceDoctorRule(opts: ServiceDoctorOptions = {}): RepairRule {
  const maxOut = opts.maxOutputChars ?? 4_000;
  // What the last fix of each finding saw, for verify (owned by this rule instance).
  const lastRuns = new Map<string, LastRun>();
  const tail = (s: string): string => (s.length > maxOut ? `…${s.slice(-maxOut)}` : s);

  return {
    id: SERVICE_DOCTOR,

    async detect(ctx) {
      const argv = ctx.service.doctor.command;
      if (!argv) return [];
      let why = 'requested';
      if (ctx.service.configFile) {
        const c = await checkConfigFile(ctx.service, runnerOf(ctx));
        if (c.state === 'valid' && !opts.always) return [];
        if (c.state !== 'valid') why = `config file ${c.state}: ${c.error ?? ''}`.trim();
      } else if (!opts.always) {
        return [];
      }
      const f: Finding = {
        id: `${SERVICE_DOCTOR}:${ctx.service.name}`,
        rule: SERVICE_DOCTOR,
        severity: 'warning',
        title: `run ${ctx.service.name}'s own doctor`,
        evidence: why,
        fix: `run \`${argv.join(' ')}\` (config snapshotted first, rolled back if it breaks it)`,
        fixable: true,
      };
      return [f];
    },

    async fix(ctx, finding) {
      const argv = ctx.service.doctor.command;
      if (!argv) return { finding, applied: false, verified: false, message: 'no doctor.command' };
      const spec = ctx.service.configFile;
      const runner = runnerOf(ctx);

      const beforeFile = spec ? await readCurrent(spec.path) : undefined;
      const pre = spec && beforeFile ? await snapshotBeforeRepair(ctx.snapshots, spec.path, beforeFile, 'before service doctor') : undefined;
      const before = beforeFile?.content ? sha256(beforeFile.content) : undefined;

      const runOpts: Parameters<typeof runner>[1] = { timeoutMs: ctx.service.doctor.timeout, env: serviceEnv(ctx.service) };
      if (ctx.service.cwd !== undefined) runOpts.cwd = ctx.service.cwd;
      const r = await runner(argv, runOpts);
      const ran = `\`${argv.join(' ')}\` ${describeRun(r)}`;
      const details: Record<string, unknown> = {
        command: argv,
        exitCode: r.code,
        signal: r.signal,
        timedOut: r.timedOut ?? false,
        stdout: tail(r.stdout),
        stderr: tail(r.stderr),
        preRepairSnapshot: pre?.id ?? null,
      };
      const ok = r.error === undefined && !r.timedOut && r.code === 0;

      if (!spec || !beforeFile) {
        lastRuns.set(finding.id, { ok, rolledBack: false });
        return { finding, applied: r.error === undefined, verified: false, message: ran, details };
      }

      const afterFile = await readCurrent(spec.path);
      const afterCheck = await checkConfigFile(ctx.service, runner);
      const afterSha = afterFile.content ? sha256(afterFile.content) : undefined;
      details.diff = {
        sizeBefore: beforeFile.content?.length ?? null,
        sizeAfter: afterFile.content?.length ?? null,
        sha256Before: before ?? null,
        sha256After: afterSha ?? null,
        ...(beforeFile.content && afterFile.content && before !== afterSha
          ? lineDiff(beforeFile.content.toString('utf8'), afterFile.content.toString('utf8'))
          : {}),
      };
      const changed = before !== afterSha;
      const damaged = beforeFile.content !== undefined && changed && afterCheck.state !== 'valid';

      if (damaged && pre) {
        const evidence = afterFile.content ? await keepEvidence(afterFile.realPath, afterFile.content, afterFile.mode, ctx.clock) : undefined;
        const original = await ctx.snapshots.read(pre);
        await replaceFile(beforeFile.realPath, original, beforeFile.mode);
        details.rolledBack = true;
        details.evidence = evidence ?? null;
        lastRuns.set(finding.id, { ok, rolledBack: true });
        const out: FixOutcome = {
          finding,
          applied: false,
          verified: false,
          message: `${DOCTOR_ROLLED_BACK}: ${ran}, the config became ${afterCheck.state}${afterCheck.error ? ` (${afterCheck.error.slice(0, 200)})` : ''}; ` +
            `${evidence ? `its version is kept at ${evidence}` : 'it had deleted the file'}`,
          after: sha256(original),
          details,
        };
        if (before) out.before = before;
        return out;
      }

      lastRuns.set(finding.id, { ok, rolledBack: false });
      const d = details.diff as { added?: number; removed?: number };
      const summary = changed
        ? `config changed (+${d.added ?? 0} -${d.removed ?? 0} lines, ${beforeFile.content?.length ?? 0} -> ${afterFile.content?.length ?? 0} bytes)`
        : 'config unchanged';
      const out: FixOutcome = { finding, applied: r.error === undefined, verified: false, message: `${ran}; ${summary}`, details };
      if (before) out.before = before;
      if (afterSha) out.after = afterSha;
      return out;
    },

    async verify(ctx, finding) {
      const last = lastRuns.get(finding.id);
      if (last && (last.rolledBack || !last.ok)) return false;
      if (!ctx.service.configFile) return last?.ok ?? false;
      return (await checkConfigFile(ctx.service, runnerOf(ctx))).state === 'valid';
    },
  };
}
