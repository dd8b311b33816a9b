// A token the user turned into a SecretRef after the copy seen healthy (`token: 'tok-old'` there, `token: { source:
// 'env', provider: 'default', id: 'GW_TOKEN' }` now) was restored member by member: "carried over: gateway.auth.token.
// source, gateway.auth.token.provider, gateway.auth.token.id" beside "left out ... (removed by the user):
// gateway.auth.token", the copy's scalar cut and a new object written in its place. The SecretRef is one setting: it
// takes the scalar's place whole, in the user's bytes (or the file's style), and is said as the user's SecretRef kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture } from './openclaw-restore-fixture.js';

const REF = { source: 'env', provider: 'default', id: 'GW_TOKEN' };
const COPY = "// known good\n{\n  gateway: {\n    mode: 'local',\n    port: 18789,\n    auth: {\n      mode: 'token',\n      token: 'tok-old', // old\n    },\n  },\n}\n";

async function restore(fx: DoctorFixture, copy: string, user: string) {
  await fx.snapshots.save(Buffer.from(copy), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
  await fs.writeFile(fx.configPath, user, { mode: 0o600 });
  const out = (await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] })).outcomes[0]!;
  return { out, text: await fs.readFile(fx.configPath, 'utf8') };
}

function expectSaidWhole(out: { message: string; details?: Record<string, unknown> }): void {
  expect(out.message).toContain('carried over from the broken file: gateway.auth.token (your SecretRef, kept whole)');
  expect(out.message).not.toMatch(/removed by the user|token\.(source|provider|id)/);
  expect(out.details).toMatchObject({ carried: ['gateway.auth.token'], droppedProtected: [], keptCredentials: [], rewritten: false });
}

describe('OpenClaw preset: a token the user turned into a SecretRef is carried whole', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('JSON5, the SecretRef on one line: the copy\'s scalar replaced by the user\'s own bytes', { timeout: 30_000 }, async () => {
    const user = "{\n  gateway: {\n    port: 18789,\n    auth: { mode: 'token', token: { source: 'env', provider: 'default', id: 'GW_TOKEN' } },\n  },\n}\n";
    const { out, text } = await restore(fx, COPY, user);
    expect(out.verified).toBe(true);
    expect(text).toBe(COPY.replace("'tok-old'", "{ source: 'env', provider: 'default', id: 'GW_TOKEN' }"));
    expectSaidWhole(out);
  });

  it('JSON5, the SecretRef over several lines: written in the copy\'s layout where the scalar was', { timeout: 30_000 }, async () => {
    const user = '{\n\t"gateway": {\n\t\t"port": 18789,\n\t\t"auth": {\n\t\t\t"mode": "token",\n\t\t\t"token": {\n\t\t\t\t"source": "env",\n\t\t\t\t"provider": "default",\n\t\t\t\t"id": "GW_TOKEN"\n\t\t\t}\n\t\t}\n\t}\n}\n';
    const { out, text } = await restore(fx, COPY, user);
    expect(out.verified).toBe(true);
    expect(text).toBe(COPY.replace("'tok-old'", "{\n        source: 'env',\n        provider: 'default',\n        id: 'GW_TOKEN',\n      }"));
    expectSaidWhole(out);
  });
});

describe('a YAML token the user turned into a block SecretRef is carried whole', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('the copy\'s scalar becomes a flow map in place, its comments kept', { timeout: 30_000 }, async () => {
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
    fx.withService({ configFile: { path: configPath, format: 'yaml', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: [...OPENCLAW_PROTECTED_SETTINGS] } });
    fx.configPath = configPath;
    const copy = '# known good\ngateway:\n  mode: local   # local gateway\n  port: 18789\n  auth:\n    mode: token\n    token: tok-old  # old\n';
    const user = 'gateway:\n  port: 18789\n  auth:\n    mode: token\n    token:\n      source: env\n      provider: default\n      id: GW_TOKEN\n';
    const { out, text } = await restore(fx, copy, user);
    expect(out.verified).toBe(true);
    expect((YAML.parse(text) as { gateway: { auth: unknown } }).gateway.auth).toEqual({ mode: 'token', token: REF });
    expect(text).toBe(copy.replace('tok-old', '{ source: env, provider: default, id: GW_TOKEN }'));
    expectSaidWhole(out);
  });
});
