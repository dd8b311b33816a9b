// A protected value carried into a restored copy at a path deeper than the copy has (a Discord token where the copy has no
// discord, a SecretRef where it has an inline token), or into a YAML copy, was written JSON-style: `"discord": {"token":"d"}`
// in a JSON5 file of unquoted keys and single quotes, `auth: {"token":"tok"}` and `token: "tok"` in a YAML one. It is
// written in the file's own style: its key quoting, quotes, indent step and trailing commas; YAML block maps and scalars.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import YAML from 'yaml';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { openclawRestoreFixture } from '../presets/openclaw-restore-fixture.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const COPY = `// OpenClaw config, hand edited
{
\tgateway: {
\t\tmode: 'local', // keep local
\t\tport: 18789,
\t\tauth: { token: 'tok-1111' },
\t},
\tchannels: {
\t\ttelegram: { enabled: true },
\t},
}
`;

const USER = `{
  gateway: {
    port: 18789,
    auth: { token: { source: "env", provider: "default", id: "OPENCLAW_GATEWAY_TOKEN" } },
  },
  channels: {
    telegram: { enabled: true },
    discord: { token: "disc-new" },
  },
}
`;

describe('a value carried deeper than the copy goes in the file\'s own style', () => {
  let fx: DoctorFixture;
  afterEach(() => fx.cleanup());

  describe('JSON5', () => {
    beforeEach(async () => {
      fx = await openclawRestoreFixture();
    });

    it('tabs, unquoted keys and trailing commas: a SecretRef and a new channel token in the copy\'s layout', { timeout: 30_000 }, async () => {
      await fx.snapshots.save(Buffer.from(COPY), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
      await fs.writeFile(fx.configPath, USER, { mode: 0o600 });
      const out = (await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] })).outcomes[0]!;
      expect(out.verified).toBe(true);
      expect(out.details).toMatchObject({ method: 'restore', rewritten: false });
      const text = await fs.readFile(fx.configPath, 'utf8');
      // The user's protected values, read back the same...
      const back = JSON5.parse(text) as { gateway: { auth: unknown }; channels: unknown };
      expect(back.gateway.auth).toEqual({ token: { source: 'env', provider: 'default', id: 'OPENCLAW_GATEWAY_TOKEN' } });
      expect(back.channels).toEqual({ telegram: { enabled: true }, discord: { token: 'disc-new' } });
      // ...in the copy's own text: comments, tabs, unquoted keys, trailing commas; the user's value bytes.
      expect(text).toContain("\t\tmode: 'local', // keep local\n");
      expect(text).toContain('\t\tdiscord: {\n\t\t\ttoken: "disc-new",\n\t\t},\n\t},\n');
      expect(text).not.toMatch(/"(discord|token|source)"\s*:/);
    });
  });

  describe('YAML', () => {
    beforeEach(async () => {
      fx = await makeFixture();
    });

    it('a missing map is written as block lines in the file\'s indent, scalars plain as the user wrote them', { timeout: 30_000 }, async () => {
      const configPath = path.join(fx.dir, 'gateway.yaml');
      const validator = await fx.script(
        'validate-yaml.mjs',
        `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const YAML = createRequire(${JSON.stringify(path.resolve('package.json'))})('yaml');
const cfg = YAML.parse(readFileSync(process.argv[2], 'utf8'));
if (!cfg?.gateway || !('mode' in cfg.gateway)) { process.stderr.write('a required setting is missing\\n'); process.exit(1); }
`,
      );
      fx.withService({ configFile: { path: configPath, format: 'yaml', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: ['gateway.auth', 'gateway.port', '**.*token', '**.botToken'] } });
      const copy = '# my gateway\r\ngateway:\r\n    mode: local   # keep local\r\n    port: 18789\r\n    auth:\r\n        token: tok-old\r\nchannels:\r\n    slack:\r\n        enabled: true\r\n';
      await fx.snapshots.save(Buffer.from(copy), { sourcePath: configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
      await fs.writeFile(configPath, "gateway:\n  port: 18789\n  auth:\n    token: tok-new\nchannels:\n  slack:\n    enabled: true\n  telegram:\n    botToken: '123:abc'\n", { mode: 0o600 });
      const out = (await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] })).outcomes[0]!;
      expect(out.verified).toBe(true);
      const text = await fs.readFile(configPath, 'utf8');
      expect(YAML.parse(text)).toEqual({ gateway: { mode: 'local', port: 18789, auth: { token: 'tok-new' } }, channels: { slack: { enabled: true }, telegram: { botToken: '123:abc' } } });
      expect(text).toBe(copy.replace('token: tok-old', 'token: tok-new') + "    telegram:\r\n        botToken: '123:abc'\r\n");
    });
  });
});
