// A credential given by reference is a credential: OpenClaw takes a SecretRef ({source: "env", provider, id}) wherever
// a token's value goes. A deploy's template without gateway.auth, restored from a copy whose token was
// {source: "env", id: "OPENCLAW_GATEWAY_TOKEN"}, came back without gateway.auth at all ("left out ... removed by the
// user"), so the gateway made a token of its own and locked its clients out; an inline token was kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture, restoreWholeFile } from './openclaw-restore-fixture.js';

const REF = { source: 'env', provider: 'default', id: 'OPENCLAW_GATEWAY_TOKEN' };

describe('OpenClaw preset: a restore treats a SecretRef credential as the credential it stands for', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('a template without gateway.auth: the copy\'s SecretRef token is kept and named, not dropped', async () => {
    const old = { gateway: { mode: 'local', port: 18789, auth: { mode: 'token', token: REF } }, channels: { telegram: { botToken: { source: 'file', provider: 'f', id: '/tg' } } } };
    const now = { gateway: { mode: 'local', port: 18789 }, channels: { telegram: {} } };
    const { report, restored } = await restoreWholeFile(fx, old, now);
    const o = report.outcomes[0]!;
    expect(o.verified).toBe(true);
    expect(restored).toEqual({ gateway: { mode: 'local', port: 18789, auth: { token: REF } }, channels: { telegram: { botToken: { source: 'file', provider: 'f', id: '/tg' } } } });
    expect(o.details?.droppedProtected).toEqual(['gateway.auth.mode']);
    expect(o.message).toMatch(/credentials of the copy kept.*gateway\.auth\.token\.id/);
  });

  it('the user\'s password beside the copy\'s SecretRef token: the token is left out, the password kept', async () => {
    const old = { gateway: { mode: 'local', auth: { token: REF } } };
    const now = { gateway: { mode: 'local', auth: { password: 'user-pw' } } };
    const { report, restored } = await restoreWholeFile(fx, old, now);
    expect(report.outcomes[0]!.verified).toBe(true);
    expect(restored).toEqual({ gateway: { mode: 'local', auth: { password: 'user-pw' } } });
  });
});
