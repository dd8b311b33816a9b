// A protected setting the user turned off or removed since the copy was seen healthy stays off after a whole-file
// restore: only the copy's values the user changed were carried over, so a copy with TLS on brought gateway.tls back
// (counted as "added", harmless) and the gateway listened on HTTPS again, its plain-http probes failing.
import { promises as fs } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture, restoreWholeFile } from './openclaw-restore-fixture.js';

const TLS = { enabled: true, certPath: '/home/u/.openclaw/gateway/tls/cert.pem', keyPath: '/home/u/.openclaw/gateway/tls/key.pem' };

describe('OpenClaw preset: a protected setting the user removed stays removed after a restore', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('gateway.tls removed by the user: the copy with TLS on does not bring it back', async () => {
    const old = { gateway: { mode: 'local', port: 18789, bind: 'loopback', tls: TLS }, agents: { defaults: { maxTokens: 1000 } } };
    const now = { gateway: { mode: 'local', port: 18789, bind: 'loopback' }, agents: { defaults: { maxTokens: 2000 } } };
    const { report, restored } = await restoreWholeFile(fx, old, now);
    const o = report.outcomes[0]!;
    expect(o.verified).toBe(true);
    expect(restored).toEqual({ gateway: { mode: 'local', port: 18789, bind: 'loopback' }, agents: { defaults: { maxTokens: 1000 } } });
    expect(o.message).toContain('gateway.tls');
    expect(o.details?.droppedProtected).toEqual(['gateway.tls']);
  });

  it('TLS turned off (enabled: false, certificate paths removed): stays off, without the old paths', async () => {
    const old = { gateway: { mode: 'local', port: 18789, tls: TLS, auth: { mode: 'token', token: 'tok-old' } }, hooks: { token: 'hook-old' } };
    const now = { gateway: { mode: 'local', port: 18789, tls: { enabled: false }, auth: { mode: 'none' } } };
    const { report, restored } = await restoreWholeFile(fx, old, now);
    expect(report.outcomes[0]!.verified).toBe(true);
    // The certificate paths stay out; the auth and hooks tokens are credentials, which a repair never drops: kept from
    // the copy (auth mode "none" is the user's, so the kept token opens nothing and closes nothing).
    expect(restored).toEqual({ gateway: { mode: 'local', port: 18789, tls: { enabled: false }, auth: { mode: 'none', token: 'tok-old' } }, hooks: { token: 'hook-old' } });
  });

  it('a copy valid only with a setting the user removed is refused, the file left as it is', async () => {
    // The validator here wants gateway.bind: the user removed it, so only the copy's own bind would make it valid.
    const fx2 = await openclawRestoreFixture(undefined, `if (!(cfg.gateway?.bind)) { process.stderr.write('no bind\\n'); process.exit(1); }\n`);
    try {
      const old = { gateway: { mode: 'local', bind: 'lan' } };
      await fx2.snapshots.save(Buffer.from(JSON.stringify(old)), { sourcePath: fx2.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
      const broken = JSON.stringify({ gateway: {} });
      await fs.writeFile(fx2.configPath, broken, { mode: 0o600 });
      const report = await runDoctor(fx2.ctx(), { fix: true, rules: [configRestoreRule()] });
      expect(report.outcomes[0]!.applied).toBe(false);
      expect(await fs.readFile(fx2.configPath, 'utf8')).toBe(broken);
      expect(JSON.stringify(report.outcomes[0]!.details?.candidates)).toContain('gateway.bind (removed by the user)');
    } finally {
      await fx2.cleanup();
    }
  });
});
