// A channel setting that names the file holding its credential is a credential setting too: Telegram's tokenFile was
// protected, Google Chat's serviceAccountFile (channels.googlechat.serviceAccountFile, per account too) was not, so a
// restore from an older copy put back the path of a key the user had rotated away, without a word.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { protectedValues } from '../../src/doctor/protected-settings.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from '../doctor/doctor-fixtures.js';

const VALIDATOR = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const JSON5 = createRequire(${JSON.stringify(path.resolve('package.json'))})('json5');
const cfg = JSON5.parse(readFileSync(process.argv[2], 'utf8'));
if (cfg.gateway && !('mode' in cfg.gateway)) { process.stderr.write('a required setting is missing\\n'); process.exit(1); }
`;

/** Google Chat as its docs configure it (channels/googlechat: serviceAccountFile, or GOOGLE_CHAT_SERVICE_ACCOUNT_FILE). */
function config(v: string): Record<string, unknown> {
  return {
    gateway: { mode: 'local', port: 18789 },
    channels: {
      googlechat: {
        enabled: true,
        serviceAccountFile: `/home/u/.openclaw/googlechat-${v}.json`,
        audienceType: 'app-url',
        audience: 'https://gw.example.com/googlechat',
        accounts: { work: { serviceAccountFile: `/home/u/.openclaw/googlechat-work-${v}.json` } },
      },
      telegram: { tokenFile: `/home/u/.openclaw/tg-${v}.token` },
    },
    agents: { defaults: { maxTokens: v === 'old' ? 1000 : 2000 } },
  };
}

describe('OpenClaw preset: the files holding channel credentials are protected', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
    const validator = await fx.script('validate.mjs', VALIDATOR);
    const configPath = path.join(fx.dir, 'openclaw.json');
    fx.withService({ configFile: { path: configPath, format: 'json5', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: [...OPENCLAW_PROTECTED_SETTINGS] } });
    fx.configPath = configPath;
  });
  afterEach(() => fx.cleanup());

  it('names serviceAccountFile protected like tokenFile, at the channel and per account', () => {
    const keys = [...protectedValues(config('x'), OPENCLAW_PROTECTED_SETTINGS).keys()];
    expect(keys).toEqual(
      expect.arrayContaining(['channels.googlechat.serviceAccountFile', 'channels.googlechat.accounts.work.serviceAccountFile', 'channels.telegram.tokenFile']),
    );
    expect(keys).not.toContain('channels.googlechat.audience');
  });

  it('a whole-file restore keeps the key file the user rotated to since the copy was seen healthy', async () => {
    await fx.snapshots.save(Buffer.from(JSON.stringify(config('old'), null, 2)), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    const broken = config('new');
    // gateway.mode removed, the validator naming no path: nothing to put back on its own, the whole file is restored.
    delete (broken.gateway as Record<string, unknown>).mode;
    await fs.writeFile(fx.configPath, JSON.stringify(broken, null, 2), { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]!.verified).toBe(true);
    const restored = JSON5.parse(await fs.readFile(fx.configPath, 'utf8')) as Record<string, unknown>;
    // The credential files as the user set them last; everything else (here maxTokens) from the copy seen healthy.
    expect(restored).toEqual({ ...config('new'), agents: { defaults: { maxTokens: 1000 } } });
  });
});
