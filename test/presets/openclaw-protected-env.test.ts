// The OpenClaw preset protects the model keys kept in openclaw.json's `env` block and per-skill keys, as it does
// channel and provider credentials: the gateway's own doctor dropping them is rolled back, not kept as a repair.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { protectedChanges } from '../../src/doctor/protected-settings.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from '../doctor/doctor-fixtures.js';

/** Like `openclaw config validate --json`: unknown top-level keys are issues. */
const VALIDATOR = `import { readFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const bad = Object.keys(cfg).filter((k) => !['gateway', 'env', 'channels', 'models', 'skills'].includes(k));
if (bad.length) { process.stdout.write(JSON.stringify({ valid: false, issues: bad.map((k) => ({ path: '<root>', message: 'Unrecognized key: "' + k + '"' })) })); process.exit(1); }
`;

/** A config as the OpenClaw docs show it: provider keys inline in `env` (help/environment) and for a skill (tools/skills-config). */
const USER = {
  gateway: { mode: 'local', port: 18789, bind: 'loopback', auth: { mode: 'token', token: 'gw-token-user' } },
  env: { OPENROUTER_API_KEY: 'sk-or-v1-user-model-key', vars: { GROQ_API_KEY: 'gsk-user-groq' } },
  channels: { telegram: { botToken: '123456:user-bot-token' } },
  skills: { entries: { 'image-lab': { enabled: true, apiKey: 'gemini-user-key', env: { GEMINI_API_KEY: 'gemini-user-key' } } } },
};

describe('OpenClaw preset: model keys in the env block and skill keys are protected', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
    const validator = await fx.script('oc-validate.mjs', VALIDATOR);
    fx.withService({ configFile: { ...fx.service.configFile, validateCommand: [process.execPath, validator, '{file}'], protect: [...OPENCLAW_PROTECTED_SETTINGS] } });
  });
  afterEach(() => fx.cleanup());

  it('dropping them is a protected change', () => {
    const after = { gateway: USER.gateway, channels: USER.channels, skills: { entries: { 'image-lab': { enabled: true } } } };
    expect(protectedChanges(USER, after, OPENCLAW_PROTECTED_SETTINGS).map((c) => `${c.path} ${c.change}`)).toEqual([
      'env.OPENROUTER_API_KEY removed',
      'env.vars.GROQ_API_KEY removed',
      'skills.entries.image-lab.apiKey removed',
      'skills.entries.image-lab.env.GEMINI_API_KEY removed',
    ]);
  });

  it("the gateway's doctor that rewrites the file without env and skills (an unknown key to remove) is rolled back; the least repair keeps every key", async () => {
    await fs.writeFile(fx.configPath, `${JSON.stringify({ ...USER, bogus: true }, null, 2)}\n`);
    const keep = JSON.stringify({ gateway: USER.gateway, channels: USER.channels });
    const doctor = await fx.script('section-dropping-doctor.mjs', `import { writeFileSync } from 'node:fs'; writeFileSync(process.argv[2], ${JSON.stringify(keep)});`);
    fx.withService({ doctor: { command: [process.execPath, doctor, fx.configPath] } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(String((out.details!.attempts as string[])[0])).toMatch(/service doctor damaged the config; rolled back.*env\.OPENROUTER_API_KEY/);
    expect(out.details!.method).toBe('remove-named-keys');
    expect(JSON.parse(await fs.readFile(fx.configPath, 'utf8'))).toEqual(USER);
  });
});
