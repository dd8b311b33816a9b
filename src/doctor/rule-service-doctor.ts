// The service's own doctor (e.g. `openclaw doctor --fix`) knows things we don't, but it must not be the one to break the config.
import type { Finding, FixOutcome, RepairRule } from './types.js';
import { checkFileFor } from './validity-cache.js';
import { runGuardedServiceDoctor, DOCTOR_ROLLED_BACK } from './guarded-service-doctor.js';

export const SERVICE_DOCTOR = 'service-doctor';
export { DOCTOR_ROLLED_BACK };

export interface ServiceDoctorOptions {
  /** Run it even when the config is valid (the ladder's "restarts don't hold" case). Default false. */
  always?: boolean;
  /**
   * A broken config is the config-restore rule's to repair (it runs this doctor first, under guard):
   * then this rule stays out while the config is not valid, so the doctor never runs twice in one pass.
   */
  configRepairedElsewhere?: boolean;
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

  return {
    id: SERVICE_DOCTOR,

    async detect(ctx) {
      const argv = ctx.service.doctor.command;
      if (!argv) return [];
      let why = 'requested';
      if (ctx.service.configFile) {
        const c = await checkFileFor(ctx);
        if (c.state === 'valid' && !opts.always) return [];
        if (c.state !== 'valid' && opts.configRepairedElsewhere) return [];
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
      if (!ctx.service.doctor.command) return { finding, applied: false, verified: false, message: 'no doctor.command' };
      const g = await runGuardedServiceDoctor(ctx, { maxOutputChars: maxOut });
      lastRuns.set(finding.id, { ok: g.ok, rolledBack: g.rolledBack });
      // Cut at its timeout: the answer says so first, and what it means (not only the journal's details).
      const message = g.run.timedOut ? `${String(g.details.cut)}; ${g.message}` : g.message;
      const out: FixOutcome = { finding, applied: g.ran && !g.rolledBack, verified: false, message, details: g.run.timedOut ? { ...g.details, serviceDoctorCut: g.details.cut } : g.details };
      if (g.before) out.before = g.before;
      if (g.after) out.after = g.after;
      return out;
    },

    async verify(ctx, finding) {
      const last = lastRuns.get(finding.id);
      if (last && (last.rolledBack || !last.ok)) return false;
      if (!ctx.service.configFile) return last?.ok ?? false;
      return (await checkFileFor(ctx)).state === 'valid';
    },
  };
}
