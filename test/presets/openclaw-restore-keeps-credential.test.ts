// A whole-file restore never drops a credential: a deploy that wrote a template config without gateway.auth (and a bad
// value elsewhere) got, from the copy seen healthy, a config without the token, so the gateway started with a token of
// its own (OpenClaw's ensureGatewayStartupAuth makes a random one when none is set) and every client was locked out.
// A setting that widens access the user removed (allowFrom '*', dmPolicy open, allowInsecureAuth) stays removed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture, restoreWholeFile } from './openclaw-restore-fixture.js';

describe('OpenClaw preset: a restore keeps a credential the broken file lacks, not a widening the user removed', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('a template without gateway.auth: the copy token is kept and named; open DMs and insecure auth stay removed', async () => {
    const old = {
      gateway: { mode: 'local', port: 18789, auth: { mode: 'token', token: 'tok-clients-use' }, controlUi: { allowInsecureAuth: true } },
      channels: { telegram: { botToken: '123:abc', dmPolicy: 'open', allowFrom: ['*'] } },
      hooks: { token: 'hook-tok' },
    };
    const now = { gateway: { mode: 'local', port: 18789 }, channels: { telegram: {} } };
    const { report, restored } = await restoreWholeFile(fx, old, now);
    const o = report.outcomes[0]!;
    expect(o.verified).toBe(true);
    expect(restored).toEqual({
      gateway: { mode: 'local', port: 18789, auth: { token: 'tok-clients-use' } },
      channels: { telegram: { botToken: '123:abc' } },
      hooks: { token: 'hook-tok' },
    });
    expect(o.details?.keptCredentials).toEqual(['channels.telegram.botToken', 'gateway.auth.token', 'hooks.token']);
    expect(o.message).toMatch(/credential.*gateway\.auth\.token/);
    expect(o.message).toMatch(/removed by the user.*gateway\.controlUi/);
    expect(o.message).toContain('channels.telegram.dmPolicy');
    expect(o.details?.droppedProtected).toEqual(['channels.telegram.allowFrom', 'channels.telegram.dmPolicy', 'gateway.auth.mode', 'gateway.controlUi']);
  });

});
