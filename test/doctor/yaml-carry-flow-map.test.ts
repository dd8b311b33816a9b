// A restore carrying the user's password into a YAML copy whose auth is a flow map (`auth: { token: tok-old }`) printed
// the whole document anew: its BOM dropped, CRLF turned LF, 4-space indent 2, the spaces before comments collapsed and a
// long line folded, unsaid. The member goes into the flow map's own braces, every other byte kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const COPY =
  '\uFEFF# my gateway\r\ngateway:\r\n    mode: local    # keep local\r\n    port: 18789    # the port\r\n    auth: { token: tok-old }   # flow\r\n' +
  '    note: "a long line that goes on and on and on and on and on and on and on and on and on and on and on"\r\n';

describe('a YAML flow map takes a carried member in place', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('BOM, CRLF, indent, comment spacing and long lines stay; the password reads back as the user wrote it', { timeout: 30_000 }, async () => {
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
    fx.withService({ configFile: { path: configPath, format: 'yaml', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: ['gateway.auth', 'gateway.port'] } });
    await fx.snapshots.save(Buffer.from(COPY), { sourcePath: configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(configPath, "gateway:\r\n  port: 18789\r\n  auth: { token: tok-old, password: 'pw new' }\r\n", { mode: 0o600 });
    const out = (await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] })).outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(out.details).toMatchObject({ method: 'restore', carried: ['gateway.auth.password'] });
    const text = await fs.readFile(configPath, 'utf8');
    expect((YAML.parse(text) as { gateway: { auth: unknown } }).gateway.auth).toEqual({ token: 'tok-old', password: 'pw new' });
    expect(text).toBe(COPY.replace('{ token: tok-old }', "{ token: tok-old, password: 'pw new' }"));
  });
});
