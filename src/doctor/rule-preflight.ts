// Preflight's start-blockers that no repair can fix (command, cwd, env) as a rule, so `clawback doctor` reports them too.
import type { RepairRule } from './types.js';
import { preflight, type PreflightCheck } from './preflight.js';
import { runnerOf } from './command-runner.js';

export const PREFLIGHT = 'preflight';

/** Not in defaultRules(); config and port are left to the config-restore and port-holder rules. */
export function preflightRule(checks: readonly PreflightCheck[] = ['command', 'cwd', 'env']): RepairRule {
  return {
    id: PREFLIGHT,
    detect: (ctx) => preflight(ctx.service, { runner: runnerOf(ctx), only: checks }),
    async fix(_ctx, finding) {
      return { finding, applied: false, verified: false, message: 'needs a human: see the proposed fix' };
    },
    async verify(ctx, finding) {
      const again = await preflight(ctx.service, { runner: runnerOf(ctx), only: checks });
      return !again.some((f) => f.id === finding.id);
    },
  };
}
