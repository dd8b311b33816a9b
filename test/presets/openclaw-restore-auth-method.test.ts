// A whole-file restore keeps the auth method the user chose: the broken file's gateway.auth {password} (no mode) and a
// copy seen healthy with {mode: "token", token}: keeping the copy's token "as a credential is never dropped" left both
// token and password set and no mode, which OpenClaw (v2026.3.7+) refuses at start; its trusted-proxy mode refuses a
// shared token beside it. The copy's credential of another method is left out, and the message says so. Credentials
// that work together (a Slack bot token and its signing secret) are still kept.
import { promises as fs } from 'node:fs';
import JSON5 from 'json5';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { openclawRestoreFixture, restoreWholeFile } from './openclaw-restore-fixture.js';

/** OpenClaw's start-up checks of gateway.auth, as the validator run at start applies them. */
const AUTH_AT_START = `
const a = cfg.gateway?.auth ?? {};
if (a.token && a.password && !a.mode) { process.stderr.write('both gateway.auth.token and gateway.auth.password are set: set gateway.auth.mode\\n'); process.exit(1); }
if (a.mode === 'trusted-proxy' && a.token) { process.stderr.write('gateway.auth.mode is trusted-proxy but a shared token is also configured\\n'); process.exit(1); }
`;

describe('OpenClaw preset: a restore keeps the auth method the broken file chose', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture(OPENCLAW_PROTECTED_SETTINGS, AUTH_AT_START);
  });
  afterEach(() => fx.cleanup());

  it('the user\'s {password} without a mode: the copy\'s token and mode are left out, the password kept, and said', async () => {
    const old = { gateway: { mode: 'local', port: 18789, auth: { mode: 'token', token: 'copy-tok' } } };
    const now = { gateway: { mode: 'local', port: 18789, auth: { password: 'user-pw' } } };
    const { report, restored } = await restoreWholeFile(fx, old, now);
    const o = report.outcomes[0]!;
    expect(o.verified).toBe(true);
    expect(restored).toEqual({ gateway: { mode: 'local', port: 18789, auth: { password: 'user-pw' } } });
    expect(o.details?.replacedCredentials).toEqual(['gateway.auth.token']);
    expect(o.details?.keptCredentials).toEqual([]);
    expect(o.message).toMatch(/credentials of the copy left out, as the broken file chose another.*gateway\.auth\.token/);
    expect(o.message).not.toMatch(/kept though the broken file has none/);
  });

  it('the user\'s trusted-proxy mode: the copy\'s token is left out', async () => {
    const old = { gateway: { mode: 'local', auth: { mode: 'token', token: 'copy-tok' } } };
    const now = { gateway: { mode: 'local', auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-user' } } } };
    const { report, restored } = await restoreWholeFile(fx, old, now);
    expect(report.outcomes[0]!.verified).toBe(true);
    expect((restored.gateway as { auth: unknown }).auth).toEqual({ mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-user' } });
  });

  it('credentials that work together are kept: a Slack signing secret beside the user\'s bot token', async () => {
    const old = { gateway: { mode: 'local' }, channels: { slack: { mode: 'http', botToken: 'xoxb-old', signingSecret: 'sig' } } };
    const now = { gateway: { mode: 'local' }, channels: { slack: { mode: 'http', botToken: 'xoxb-new' } } };
    const { report, restored } = await restoreWholeFile(fx, old, now);
    expect(report.outcomes[0]!.verified).toBe(true);
    expect(restored.channels).toEqual({ slack: { mode: 'http', botToken: 'xoxb-new', signingSecret: 'sig' } });
    expect(JSON5.parse(await fs.readFile(fx.configPath!, 'utf8'))).toEqual(restored);
  });
});
