// A YAML copy whose gateway is one flow map (`gateway: { mode: local, port: 18789, tls: { enabled: true } }`), the user's
// file without gateway.tls: the copy was printed anew only to leave tls out, yet the restore said "rewritten whole to
// carry the protected settings in" (nothing was carried), and named the one .corrupt-* file twice, as "your file's own
// text is kept at X" and "the broken file is kept at X", as if there were two. Now the rewrite says what it was for,
// and the kept file is named once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, type DoctorFixture } from '../doctor/doctor-fixtures.js';

const VALIDATOR = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const YAML = createRequire(${JSON.stringify(path.resolve('package.json'))})('yaml');
const cfg = YAML.parse(readFileSync(process.argv[2], 'utf8'));
if (cfg.gateway && !('mode' in cfg.gateway)) { process.stderr.write('a required setting is missing\\n'); process.exit(1); }
`;

describe('OpenClaw preset: a restore rewritten to leave a removed setting out', () => {
  let fx: DoctorFixture;
  let configPath: string;
  beforeEach(async () => {
    fx = await makeFixture();
    const validator = await fx.script('validate.mjs', VALIDATOR);
    configPath = path.join(fx.dir, 'openclaw.yaml');
    fx.withService({ configFile: { path: configPath, format: 'yaml', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: ['gateway.auth', 'gateway.port', 'gateway.tls'] } });
  });
  afterEach(() => fx.cleanup());

  it('says the rewrite left gateway.tls out, and names the kept file once', { timeout: 30_000 }, async () => {
    await fx.snapshots.save(Buffer.from('# known good\ngateway: { mode: local, port: 18789, tls: { enabled: true } }  # one line\n'), { sourcePath: configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(configPath, 'gateway:\n  port: 18789\n', { mode: 0o600 });
    const out = (await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] })).outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(YAML.parse(await fs.readFile(configPath, 'utf8'))).toEqual({ gateway: { mode: 'local', port: 18789 } });
    expect(out.details).toMatchObject({ carried: [], droppedProtected: ['gateway.tls'], rewritten: true });
    expect(out.message).toContain('rewritten whole to leave out gateway.tls');
    expect(out.message).not.toContain('to carry the protected settings in');
    const evidence = out.details!.evidence as string;
    expect(out.message.split(evidence).length - 1).toBe(1);
    expect(out.message).toContain(`your file's own text is kept at ${evidence}`);
  });
});
