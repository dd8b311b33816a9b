// `clawback doctor` finding: the gateway's own systemd unit or LaunchAgent would run it beside Clawback. Reported, never fixed.
import type { ServiceConfig } from '../config/schema.js';
import type { Finding, RepairRule } from '../doctor/types.js';
import { describeOtherSupervisor, findOtherSupervisors, type OtherSupervisor } from './other-supervisor.js';

export const OTHER_SUPERVISOR = 'openclaw-other-supervisor';

export function otherSupervisorRule(find: (s: ServiceConfig) => OtherSupervisor[] = (s) => findOtherSupervisors(s)): RepairRule {
  return {
    id: OTHER_SUPERVISOR,
    async detect(ctx) {
      const s = ctx.service;
      if (!s.openclaw?.otherSupervisorCheck) return [];
      return find(s).map(
        (o): Finding => ({
          id: `${OTHER_SUPERVISOR}:${o.path}`,
          rule: OTHER_SUPERVISOR,
          severity: o.enabled ? 'warning' : 'info',
          title: `${o.manager === 'systemd' ? 'systemd unit' : 'LaunchAgent'} ${o.unit} ${o.enabled ? 'is enabled' : 'is installed'} beside Clawback`,
          evidence: describeOtherSupervisor(o, s.name),
          fix: 'not automatic: disable the unit yourself, or let Clawback supervise it (--mode external)',
          fixable: false,
        }),
      );
    },
    async fix(_ctx, f) {
      return { finding: f, applied: false, verified: false, message: 'left alone: another supervisor is a person\'s decision' };
    },
    async verify(ctx, f) {
      return !(await this.detect(ctx)).some((x) => x.id === f.id);
    },
  };
}
