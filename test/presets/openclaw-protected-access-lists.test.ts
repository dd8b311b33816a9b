// Who may reach the gateway and its channels is a security setting like its token: the proxies it trusts
// (gateway.trustedProxies), the browser origins and auth posture of its Control UI (gateway.controlUi.*), and each
// channel's DM/group policy and allowFrom lists (per account too). None was protected, so a whole-file restore from an
// older copy put back a number the user had blocked, an origin they had dropped, or an "open" DM policy.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { protectedValues } from '../../src/doctor/protected-settings.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture, restoreWholeFile } from './openclaw-restore-fixture.js';

function config(v: 'old' | 'new'): Record<string, unknown> {
  const old = v === 'old';
  return {
    gateway: {
      mode: 'local',
      port: 18789,
      trustedProxies: old ? ['10.0.0.0/8'] : ['10.0.0.5'],
      controlUi: { allowedOrigins: old ? ['https://a.example', 'https://b.example'] : ['https://a.example'], allowInsecureAuth: old, dangerouslyDisableDeviceAuth: old },
    },
    channels: {
      telegram: { dmPolicy: old ? 'open' : 'allowlist', allowFrom: old ? ['*'] : ['123456'], groupPolicy: old ? 'open' : 'allowlist', groupAllowFrom: old ? ['*'] : ['-100200'] },
      whatsapp: { accounts: { work: { allowFrom: old ? ['+15550001111', '+15559998888'] : ['+15550001111'] } } },
    },
    agents: { defaults: { maxTokens: old ? 1000 : 2000 } },
  };
}

describe('OpenClaw preset: access lists and Control UI posture are protected', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('names them protected', () => {
    const keys = [...protectedValues(config('new'), OPENCLAW_PROTECTED_SETTINGS).keys()];
    expect(keys).toEqual(
      expect.arrayContaining([
        'gateway.trustedProxies',
        'gateway.controlUi.allowedOrigins',
        'gateway.controlUi.allowInsecureAuth',
        'gateway.controlUi.dangerouslyDisableDeviceAuth',
        'channels.telegram.dmPolicy',
        'channels.telegram.allowFrom',
        'channels.telegram.groupPolicy',
        'channels.telegram.groupAllowFrom',
        'channels.whatsapp.accounts.work.allowFrom',
      ]),
    );
  });

  it('a whole-file restore keeps the lists as the user tightened them since the copy was seen healthy', async () => {
    const { report, restored } = await restoreWholeFile(fx, config('old'), config('new') as { gateway: Record<string, unknown> });
    expect(report.outcomes[0]!.verified).toBe(true);
    expect(restored).toEqual({ ...config('new'), agents: { defaults: { maxTokens: 1000 } } });
  });
});
