// Every credential the gateway itself treats as sensitive (its config/sensitive-paths: *token, *password*, *secret*,
// api key, private/encrypt key, serviceAccount, env and headers blocks) is protected wherever it sits in openclaw.json,
// not only under channels/models/skills: a restore from an older copy keeps the values the user set since.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { protectedValues } from '../../src/doctor/protected-settings.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from '../doctor/doctor-fixtures.js';
import { OPENCLAW_MODE_VALIDATOR, openclawRestoreFixture, restoreWholeFile } from './openclaw-restore-fixture.js';

/** gateway.mode must also be "local". */
const MODE_LOCAL = "if (cfg.gateway?.mode !== 'local') { process.stderr.write('gateway.mode: Invalid\\n'); process.exit(1); }\n";
const VALIDATOR = `${OPENCLAW_MODE_VALIDATOR}${MODE_LOCAL}`;

/** Credentials outside channels/models.providers.*.apiKey/skills, as the gateway's docs name them (2026.9.6). */
function config(v: string, mode = 'local'): Record<string, unknown> {
  return {
    gateway: { mode, port: 18789 },
    hooks: { enabled: true, token: `hook-${v}` },
    tools: { web: { search: { provider: 'brave', apiKey: `brave-${v}` } } },
    talk: { providers: { elevenlabs: { apiKey: `el-${v}` } } },
    plugins: { entries: { comfy: { enabled: true, config: { apiKey: `comfy-${v}` } } } },
    models: { providers: { corp: { baseUrl: 'http://127.0.0.1:9/v1', headers: { Authorization: `Bearer ${v}` } } } },
    agents: { defaults: { maxTokens: v === 'old' ? 1000 : 2000 } },
  };
}

describe('OpenClaw preset: credentials anywhere in openclaw.json are protected', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture(OPENCLAW_PROTECTED_SETTINGS, MODE_LOCAL);
  });
  afterEach(() => fx.cleanup());

  it('names them protected, and not a limit that merely ends in "tokens"', () => {
    expect([...protectedValues(config('x'), OPENCLAW_PROTECTED_SETTINGS).keys()].sort()).toEqual([
      'gateway.port',
      'hooks.token',
      'models.providers.corp.headers.Authorization',
      'plugins.entries.comfy.config.apiKey',
      'talk.providers.elevenlabs.apiKey',
      'tools.web.search.apiKey',
    ]);
  });

  it('a whole-file restore keeps the values set since the copy was seen healthy', async () => {
    // gateway.mode removed (nothing to put back on its own: the whole file is restored).
    const { report, restored } = await restoreWholeFile(fx, config('old'), config('new') as { gateway: Record<string, unknown> });
    expect(report.outcomes[0]!.verified).toBe(true);
    // The credentials as the user set them last; everything else (here maxTokens) from the copy seen healthy.
    expect(restored).toEqual({ ...config('new'), agents: { defaults: { maxTokens: 1000 } } });
  });
});

describe('OpenClaw preset: the gateway doctor\'s own migration of a credential is not a loss', () => {
  let fx: DoctorFixture;
  afterEach(() => fx.cleanup());

  it('talk.apiKey moved to talk.providers.elevenlabs.apiKey (config-migrations.md) is kept, not rolled back', async () => {
    fx = await makeFixture();
    const validator = await fx.script('validate.mjs', `${VALIDATOR}\nif (cfg.talk?.apiKey !== undefined) { process.stderr.write('talk.apiKey: Unrecognized key\\\\n'); process.exit(1); }\n`);
    // Like \`openclaw doctor --fix\`: rewrites the legacy talk shape into the provider map.
    const doctor = await fx.script('migrating-doctor.mjs', `import { readFileSync, writeFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
cfg.talk = { provider: 'elevenlabs', providers: { elevenlabs: { apiKey: cfg.talk.apiKey } } };
writeFileSync(process.argv[2], JSON.stringify(cfg, null, 2));
`);
    const configPath = path.join(fx.dir, 'openclaw.json');
    fx.withService({
      doctor: { command: [process.execPath, doctor, configPath] },
      configFile: { path: configPath, format: 'json5', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: [...OPENCLAW_PROTECTED_SETTINGS] },
    });
    fx.configPath = configPath;
    await fs.writeFile(configPath, JSON.stringify({ gateway: { mode: 'local', port: 18789 }, talk: { apiKey: 'el-key' } }, null, 2), { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(report.outcomes[0]!.details).toMatchObject({ method: 'service-doctor' });
    expect(JSON5.parse(await fs.readFile(configPath, 'utf8'))).toEqual({ gateway: { mode: 'local', port: 18789 }, talk: { provider: 'elevenlabs', providers: { elevenlabs: { apiKey: 'el-key' } } } });
  });
});
