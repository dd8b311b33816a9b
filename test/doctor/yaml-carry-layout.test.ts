// A last-known-good restore of a YAML config that carried the user's rotated token into the copy re-printed the whole
// copy (CRLF to LF, 4-space indent to 2, a long line folded, a flow map respaced) while reporting its text kept: only
// the carried value may change.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** Valid when gateway.mode is "local" and gateway.port an integer. */
const VALIDATOR = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const YAML = createRequire(${JSON.stringify(path.resolve('package.json'))})('yaml');
const cfg = YAML.parse(readFileSync(process.argv[2], 'utf8'));
if (cfg?.gateway && !('mode' in cfg.gateway)) { process.stderr.write('a required setting is missing\\n'); process.exit(1); }
if (cfg?.gateway?.mode !== 'local' || !Number.isInteger(cfg.gateway.port)) { process.stderr.write('gateway.mode: Invalid\\n'); process.exit(1); }
`;

const GOOD = [
  '# gateway config, edited by hand',
  'gateway:',
  '    mode: local',
  '    port:   18789        # the port',
  '    auth:',
  '        token: "tok-old-1111"   # rotated monthly',
  "    banner: 'a very long banner line that goes on and on and on and on and on and on and on and on and on to the end'",
  '    list: [a, b,   c]',
  '',
].join('\r\n');

describe('a YAML restore carrying a protected value keeps the copy\'s bytes', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('only the token changes: CRLF, indentation, long lines, flow style and comments stay', { timeout: 30_000 }, async () => {
    const configPath = path.join(fx.dir, 'gateway.yaml');
    const validator = await fx.script('validate-yaml.mjs', VALIDATOR);
    fx.withService({ configFile: { path: configPath, format: 'yaml', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: ['gateway.auth.token', 'gateway.port'] } });
    await fx.snapshots.save(Buffer.from(GOOD), { sourcePath: configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    // Since then the token was rotated, and an edit removed gateway.mode (nothing to put back on its own: the whole file is restored).
    await fs.writeFile(configPath, 'gateway:\n  port: 18789\n  auth:\n    token: tok-new-2222\n', { mode: 0o600 });

    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(out.details).toMatchObject({ method: 'restore', carried: ['gateway.auth.token'] });
    const text = await fs.readFile(configPath, 'utf8');
    expect((YAML.parse(text) as { gateway: { auth: { token: string } } }).gateway.auth.token).toBe('tok-new-2222');
    expect(text).toBe(GOOD.replace('"tok-old-1111"', 'tok-new-2222'));
  });
});
