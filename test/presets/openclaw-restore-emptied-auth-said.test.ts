// The user emptied gateway.auth (`auth: {}`) while the copy seen healthy has a token and a mode: the restore wrote
// `auth: {}` and said only "carried over from the broken file: gateway.auth" — nothing said the copy's token and mode
// were gone, the gateway left with no credential. The user's choice is kept, and what went with it is named, the
// credential as a WARNING (JSON5 and YAML alike).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import YAML from 'yaml';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture } from './openclaw-restore-fixture.js';

const COPY = "// known good\n{\n  gateway: {\n    mode: 'local',\n    port: 18789,\n    auth: { mode: 'token', token: 'tok-old' },\n  },\n}\n";

describe('OpenClaw preset: a restore over the copy\'s token the user emptied', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('keeps the empty auth and says the copy\'s token and mode are gone (JSON5)', { timeout: 30_000 }, async () => {
    await fx.snapshots.save(Buffer.from(COPY), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(fx.configPath, '{\n  gateway: {\n    port: 18789,\n    auth: {},\n  },\n}\n', { mode: 0o600 });
    const out = (await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] })).outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(JSON5.parse(await fs.readFile(fx.configPath, 'utf8'))).toEqual({ gateway: { mode: 'local', port: 18789, auth: {} } });
    expect(out.details).toMatchObject({ carried: ['gateway.auth'], overwrittenProtected: ['gateway.auth.mode', 'gateway.auth.token'] });
    expect(out.message).toContain("the copy's gateway.auth.mode, gateway.auth.token are gone: your file's gateway.auth is empty");
    expect(out.message).toMatch(/WARNING no credential is set at gateway\.auth\.token/);
  });

  it('says the same of a YAML config', { timeout: 30_000 }, async () => {
    const yamlPath = path.join(path.dirname(fx.configPath), 'openclaw.yaml');
    const validator = await fx.script('validate-yaml.mjs', `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const YAML = createRequire(${JSON.stringify(path.resolve('package.json'))})('yaml');
const cfg = YAML.parse(readFileSync(process.argv[2], 'utf8'));
if (cfg.gateway && !('mode' in cfg.gateway)) { process.stderr.write('a required setting is missing\\n'); process.exit(1); }
`);
    const svc = fx.ctx().service;
    fx.withService({ configFile: { ...svc.configFile!, path: yamlPath, format: 'yaml', validateCommand: [process.execPath, validator, '{file}'] } });
    await fx.snapshots.save(Buffer.from('# known good\ngateway:\n  mode: local\n  port: 18789\n  auth:\n    mode: token\n    token: tok-old\n'), { sourcePath: yamlPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(yamlPath, 'gateway:\n  port: 18789\n  auth: {}\n', { mode: 0o600 });
    const out = (await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] })).outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(YAML.parse(await fs.readFile(yamlPath, 'utf8'))).toEqual({ gateway: { mode: 'local', port: 18789, auth: {} } });
    expect(out.details).toMatchObject({ overwrittenProtected: ['gateway.auth.mode', 'gateway.auth.token'] });
    expect(out.message).toMatch(/WARNING no credential is set at gateway\.auth\.token/);
  });
});
