// A key is one path segment whatever its characters: a provider id with a dot ("my.provider") is protected like any
// other, and a whole-file restore carries its rotated apiKey into the copy under the same key (not under my -> provider).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { protectedChanges } from '../../src/doctor/protected-settings.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const JSON5_VALIDATOR = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const JSON5 = createRequire(${JSON.stringify(path.resolve('package.json'))})('json5');
const cfg = JSON5.parse(readFileSync(process.argv[2], 'utf8'));
if (!Number.isInteger(cfg.gateway?.port)) { process.stderr.write('gateway.port: Expected number\\n'); process.exit(1); }
if (cfg.gateway.mode !== 'local') { process.stderr.write('gateway.mode: Invalid\\n'); process.exit(1); }
`;

const GOOD = `// my gateway
{
  gateway: { mode: "local", port: 18789 },
  models: {
    providers: {
      "my.provider": { baseUrl: "http://127.0.0.1:9/v1", apiKey: "sk-old-1111" }, // rotated monthly
      plain: { apiKey: "sk-plain" },
    },
  },
}
`;

describe('protected settings under keys that contain a dot', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
    const validator = await fx.script('validate-json5.mjs', JSON5_VALIDATOR);
    const configPath = path.join(fx.dir, 'openclaw.json');
    fx.withService({
      configFile: { path: configPath, format: 'json5', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: [...OPENCLAW_PROTECTED_SETTINGS] },
    });
    fx.configPath = configPath;
  });
  afterEach(() => fx.cleanup());

  it('sees a changed apiKey of provider "my.provider" as a protected change', () => {
    const before = { models: { providers: { 'my.provider': { apiKey: 'a' } } } };
    const after = { models: { providers: { 'my.provider': { apiKey: 'b' } } } };
    expect(protectedChanges(before, after, OPENCLAW_PROTECTED_SETTINGS).map((c) => c.change)).toEqual(['changed']);
    expect(protectedChanges(before, { models: { providers: {} } }, OPENCLAW_PROTECTED_SETTINGS).map((c) => c.change)).toEqual(['removed']);
  });

  it('a restore keeps the rotated apiKey of "my.provider" under that very key', async () => {
    await fx.snapshots.save(Buffer.from(GOOD), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    const broken = {
      gateway: { mode: 'lokal', port: 18789 },
      models: { providers: { 'my.provider': { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-new-2222' }, plain: { apiKey: 'sk-plain' } } },
    };
    await fs.writeFile(fx.configPath, JSON.stringify(broken, null, 2), { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(true);
    const restored = JSON5.parse(await fs.readFile(fx.configPath, 'utf8'));
    expect(restored).toEqual({
      gateway: { mode: 'local', port: 18789 },
      models: { providers: { 'my.provider': { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-new-2222' }, plain: { apiKey: 'sk-plain' } } },
    });
  });
});
