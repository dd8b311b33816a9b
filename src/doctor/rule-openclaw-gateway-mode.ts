// `openclaw config validate` passes a config without gateway.mode, yet the gateway refuses to start on it (exit 78, "Gateway
// start blocked") or, when openclaw.json.bak has one, replaces the whole file with that older .bak: said, never set by us.
import { promises as fs } from 'node:fs';
import { detectFormat, parseConfigText, readServiceConfigFile } from '../platform/config-file.js';
import type { DoctorContext, Finding, RepairRule } from './types.js';

export const OPENCLAW_GATEWAY_MODE = 'openclaw-gateway-mode';

type Mode = { state: 'set'; value: unknown } | { state: 'missing' } | { state: 'unknown' };

function modeOf(text: string, format: ReturnType<typeof detectFormat>): Mode {
  const p = parseConfigText(text, format);
  if (!p.ok || p.value === null || typeof p.value !== 'object' || Array.isArray(p.value)) return { state: 'unknown' };
  const gw = (p.value as Record<string, unknown>).gateway;
  if (gw !== undefined && (gw === null || typeof gw !== 'object' || Array.isArray(gw))) return { state: 'unknown' };
  const mode = (gw as Record<string, unknown> | undefined)?.mode;
  return mode === undefined ? { state: 'missing' } : { state: 'set', value: mode };
}

/** gateway.mode as the newest copy seen healthy had it (a snapshot), or undefined. */
async function healthyMode(ctx: DoctorContext, format: ReturnType<typeof detectFormat>): Promise<unknown> {
  for (const e of await ctx.snapshots.list('last-known-good')) {
    const m = modeOf((await ctx.snapshots.read(e).catch(() => Buffer.alloc(0))).toString('utf8'), format);
    if (m.state === 'set') return m.value;
  }
  return undefined;
}

export function openclawGatewayModeRule(): RepairRule {
  const rule: RepairRule = {
    id: OPENCLAW_GATEWAY_MODE,

    async detect(ctx) {
      const spec = ctx.service.configFile;
      // Only the OpenClaw gateway, and only when it is started without --allow-unconfigured (which accepts no mode).
      if (!spec || !ctx.service.openclaw || ctx.service.command?.includes('--allow-unconfigured')) return [];
      const format = detectFormat(spec.path, spec.format);
      const text = await readServiceConfigFile(spec.path).then((b) => b.toString('utf8')).catch(() => undefined);
      if (text === undefined || modeOf(text, format).state !== 'missing') return [];
      const bak = `${spec.path}.bak`;
      const bakText = await fs.readFile(bak, 'utf8').catch(() => undefined);
      const bakHas = bakText !== undefined && modeOf(bakText, format).state === 'set';
      const seen = await healthyMode(ctx, format);
      const finding: Finding = {
        id: `${OPENCLAW_GATEWAY_MODE}:${spec.path}`,
        rule: OPENCLAW_GATEWAY_MODE,
        severity: 'critical',
        title: 'config has no gateway.mode (the validator passes it, the gateway does not)',
        evidence:
          `${spec.path} has no gateway.mode: ` +
          (bakHas
            ? `on its next read the gateway replaces the whole file with ${bak} (older: every edit since is moved to ${spec.path}.clobbered.*)`
            : 'the gateway refuses to start on it (exit 78, "Gateway start blocked: existing config is missing gateway.mode")') +
          (seen !== undefined ? `; the copy seen healthy had gateway.mode ${JSON.stringify(seen)}` : '; no copy seen healthy has one'),
        fix:
          `set it yourself if it was removed by mistake: \`openclaw config set gateway.mode ${typeof seen === 'string' ? seen : 'local'}\` ` +
          '(Clawback does not set it: a config without it is what the gateway treats as clobbered, and the value is the user\'s choice)',
        fixable: false,
      };
      return [finding];
    },

    async fix(_ctx, finding) {
      return { finding, applied: false, verified: false, message: `not repaired: ${finding.evidence}; ${finding.fix ?? ''}` };
    },

    async verify(ctx) {
      return (await rule.detect(ctx)).length === 0;
    },
  };
  return rule;
}
