// A YAML copy the in-place edit could not take was printed anew (4-space indent -> 2, comment spacing collapsed) while
// the restore said "rewritten: false": an empty flow map (`auth: {}`), a copy with a plain scalar where the user has a
// map (`token: tok-old`, the user's a SecretRef), a protected key cut from an inline flow map. The first two are edited
// in place now, every other byte kept; a document still printed anew is said as rewritten.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

async function restore(fx: DoctorFixture, copy: string, user: string, protect: readonly string[] = OPENCLAW_PROTECTED_SETTINGS) {
  const configPath = path.join(fx.dir, 'openclaw.yaml');
  const validator = await fx.script(
    'validate-yaml.mjs',
    `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const YAML = createRequire(${JSON.stringify(path.resolve('package.json'))})('yaml');
const cfg = YAML.parse(readFileSync(process.argv[2], 'utf8'));
if (!cfg?.gateway || !('mode' in cfg.gateway)) { process.stderr.write('a required setting is missing\\n'); process.exit(1); }
`,
  );
  fx.withService({ configFile: { path: configPath, format: 'yaml', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: [...protect] } });
  await fx.snapshots.save(Buffer.from(copy), { sourcePath: configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
  await fs.writeFile(configPath, user, { mode: 0o600 });
  const out = (await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] })).outcomes[0]!;
  return { out, text: await fs.readFile(configPath, 'utf8') };
}

describe('a YAML copy taking carried settings: in place, or said as rewritten', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('a scalar token in the copy becomes the user\'s SecretRef in place', { timeout: 30_000 }, async () => {
    const copy = '# my gateway\ngateway:\n    mode: local    # keep local\n    port: 18789\n    auth:\n        mode: token\n        token: tok-old\nother:\n    a: 1\n';
    const user = 'gateway:\n  port: 18789\n  auth:\n    mode: token\n    token: {source: env, provider: default, id: OPENCLAW_TOKEN}\n';
    const { out, text } = await restore(fx, copy, user);
    expect(out.verified).toBe(true);
    expect((YAML.parse(text) as { gateway: { auth: unknown } }).gateway.auth).toEqual({ mode: 'token', token: { source: 'env', provider: 'default', id: 'OPENCLAW_TOKEN' } });
    // In the copy's own text (its 4-space indent, comment spacing and `other` kept), the SecretRef in flow or block style.
    expect([
      copy.replace('tok-old', '{ source: env, provider: default, id: OPENCLAW_TOKEN }'),
      copy.replace('token: tok-old', 'token:\n            source: env\n            provider: default\n            id: OPENCLAW_TOKEN'),
    ]).toContain(text);
    expect(out.details).toMatchObject({ method: 'restore', rewritten: false });
  });

  it('an empty flow map takes the carried member inside its braces', { timeout: 30_000 }, async () => {
    const copy = '# my gateway\ngateway:\n    mode: local    # keep local\n    port: 18789\n    auth: {}   # none yet\nother:\n    a: 1\n';
    const user = 'gateway:\n  port: 18789\n  auth:\n    token: tok-user\n';
    const { out, text } = await restore(fx, copy, user, ['gateway.auth.token', 'gateway.port']);
    expect(out.verified).toBe(true);
    expect(text).toBe(copy.replace('auth: {}', 'auth: { token: tok-user }'));
    expect(out.details).toMatchObject({ method: 'restore', rewritten: false, carried: ['gateway.auth.token'] });
  });

  it('a document printed anew is said as rewritten', { timeout: 30_000 }, async () => {
    const copy = '# my gateway\ngateway: { mode: local, port: 18789, auth: {} }    # inline\nother:\n    a: 1\n';
    const user = 'gateway:\n  port: 18789\n  auth:\n    token: tok-user\n';
    const { out, text } = await restore(fx, copy, user);
    expect(out.verified).toBe(true);
    expect((YAML.parse(text) as { gateway: { auth: unknown } }).gateway.auth).toEqual({ token: 'tok-user' });
    if (text !== copy.replace('auth: {}', 'auth: { token: tok-user }')) {
      expect(out.details).toMatchObject({ method: 'restore', rewritten: true });
      expect(out.message).toContain('rewritten whole');
    }
  });
});
