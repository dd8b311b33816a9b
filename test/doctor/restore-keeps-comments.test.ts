// A whole-file restore that carries the user's protected settings (a token rotated after the last-known-good copy) into
// that copy keeps the copy's comments and layout: only the carried values change in its text.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { carryOverText } from '../../src/doctor/protected-settings.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** Like `openclaw config validate`: JSON5, an integer gateway.port, gateway.mode "local". */
const JSON5_VALIDATOR = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const JSON5 = createRequire(${JSON.stringify(path.resolve('package.json'))})('json5');
const cfg = JSON5.parse(readFileSync(process.argv[2], 'utf8'));
if (cfg.gateway && !('mode' in cfg.gateway)) { process.stderr.write('a required setting is missing\\n'); process.exit(1); }
if (!Number.isInteger(cfg.gateway?.port)) { process.stderr.write('gateway.port: Expected number\\n'); process.exit(1); }
if (cfg.gateway.mode !== 'local') { process.stderr.write('gateway.mode: Invalid\\n'); process.exit(1); }
`;

/** The user's own file, seen healthy: comments, unquoted keys, trailing commas. */
const GOOD = `// OpenClaw gateway: my laptop
{
  gateway: {
    mode: "local", // never "remote" here
    port: 18789,
    auth: {
      mode: "token",
      token: "tok-old-1111", // rotated monthly
    },
  },
  /* channels */
  channels: {
    telegram: { enabled: true, botToken: "123:old" },
  },
}
`;

describe('whole-file restore with protected settings carried over', () => {
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

  it('keeps the copy\'s comments and layout when the token was rotated (and a channel token added) after it was seen healthy', async () => {
    await fx.snapshots.save(Buffer.from(GOOD), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    // Since then: the token rotated, a Discord token was added, and an edit removed gateway.mode (the validator names no path for it: nothing to put back on its own).
    const broken = {
      gateway: { port: 18789, auth: { mode: 'token', token: 'tok-new-2222' } },
      channels: { telegram: { enabled: true, botToken: '123:old' }, discord: { token: 'disc-new' } },
    };
    await fs.writeFile(fx.configPath, JSON.stringify(broken, null, 2), { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(out.details).toMatchObject({ method: 'restore', source: 'snapshot' });
    expect((out.details!.carried as string[]).sort()).toEqual(['channels.discord.token', 'gateway.auth.token']);
    const text = await fs.readFile(fx.configPath, 'utf8');
    // The user's settings as they are now...
    expect(JSON5.parse(text)).toEqual({
      gateway: { mode: 'local', port: 18789, auth: { mode: 'token', token: 'tok-new-2222' } },
      channels: { telegram: { enabled: true, botToken: '123:old' }, discord: { token: 'disc-new' } },
    });
    // ...in the copy's own text: every comment, the unquoted keys and trailing commas kept; only the token line changed.
    expect(text).toContain('// OpenClaw gateway: my laptop');
    expect(text).toContain('mode: "local", // never "remote" here');
    expect(text).toContain('token: "tok-new-2222", // rotated monthly');
    expect(text).toContain('/* channels */');
    expect(text).toBe(
      GOOD.replace('"tok-old-1111"', '"tok-new-2222"').replace(
        'telegram: { enabled: true, botToken: "123:old" },',
        'telegram: { enabled: true, botToken: "123:old" },\n    discord: {\n      token: "disc-new",\n    },',
      ),
    );
  });

  it('carryOverText: a value set in place, a missing member added in the object\'s layout; JSON and YAML too', () => {
    const pats = ['auth', 'port'];
    const c = carryOverText('{\n  // keep\n  port: 1,\n  auth: { mode: "token" },\n}\n', { port: 1, auth: { mode: 'token' } }, { port: 2, auth: { mode: 'token', token: 't' } }, pats, 'json5');
    expect(c).toMatchObject({ carried: ['port', 'auth.token'], rewritten: false });
    expect(c.text).toBe('{\n  // keep\n  port: 2,\n  auth: { mode: "token", token: "t" },\n}\n');
    const j = carryOverText('{\n  "port": 1,\n  "name": "x"\n}\n', { port: 1, name: 'x' }, { port: 2, auth: { token: 't' } }, pats, 'json');
    expect(j.text).toBe('{\n  "port": 2,\n  "name": "x",\n  "auth": {\n    "token": "t"\n  }\n}\n');
    expect(JSON.parse(j.text)).toEqual({ port: 2, name: 'x', auth: { token: 't' } });
    const y = carryOverText('# mine\nport: 1 # the port\nname: x\n', { port: 1, name: 'x' }, { port: 2 }, pats, 'yaml');
    expect(y.text).toBe('# mine\nport: 2 # the port\nname: x\n');
    const none = carryOverText('{ port: 2 }', { port: 2 }, { port: 2 }, pats, 'json5');
    expect(none).toEqual({ text: '{ port: 2 }', value: { port: 2 }, carried: [], dropped: [], kept: [], replaced: [], rewritten: false });
  });
});

