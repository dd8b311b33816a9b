// A YAML copy printed anew to leave out a protected key the user removed from an inline flow map (`gateway: { mode:
// local, port: 18789, bind: lan }`, the user's file without bind) kept every one of its 3 comments, yet the restore said
// "rewritten whole ... (its comments and layout not kept)". The words come from the bytes now: its layout not kept,
// every comment kept; a text serialized anew (its comments gone) is still said as keeping neither.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('a YAML copy printed anew says what it kept', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('every comment kept: said as its layout not kept, every comment kept', { timeout: 30_000 }, async () => {
    const configPath = path.join(fx.dir, 'openclaw.yaml');
    const validator = await fx.script(
      'validate-yaml.mjs',
      `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const YAML = createRequire(${JSON.stringify(path.resolve('package.json'))})('yaml');
const cfg = YAML.parse(readFileSync(process.argv[2], 'utf8'));
if (!cfg?.gateway || !('mode' in cfg.gateway)) { process.stderr.write('a required setting is missing\\n'); process.exit(1); }
`,
    );
    fx.withService({ configFile: { path: configPath, format: 'yaml', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: [...OPENCLAW_PROTECTED_SETTINGS] } });
    const copy = '# my gateway, hand edited\ngateway: { mode: local, port: 18789, bind: lan }   # inline\n# the rest\nother:\n  a: 1   # keep me\n';
    await fx.snapshots.save(Buffer.from(copy), { sourcePath: configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(configPath, 'gateway:\n  port: 18789\nother:\n  a: 1\n', { mode: 0o600 });
    const out = (await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] })).outcomes[0]!;
    expect(out.verified).toBe(true);
    const text = await fs.readFile(configPath, 'utf8');
    expect(YAML.parse(text)).toEqual({ gateway: { mode: 'local', port: 18789 }, other: { a: 1 } });
    for (const c of ['# my gateway, hand edited', '# inline', '# the rest', '# keep me']) expect(text).toContain(c);
    expect(out.details).toMatchObject({ method: 'restore', rewritten: true, droppedProtected: ['gateway.bind'] });
    expect(out.message).toContain('rewritten whole');
    expect(out.message).toContain('its layout not kept, every comment kept');
    expect(out.message).not.toContain('comments and layout not kept');
  });
});
