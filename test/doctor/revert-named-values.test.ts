// A config the validator rejects for one named value, after keys were added since the copy seen healthy: only that value
// goes back; the keys added since, the file's BOM, CRLF line ends, comments and unicode keys stay as the user has them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { namedValuePaths } from '../../src/doctor/revert-named-values.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** Like `openclaw config validate`: JSON5 (a BOM allowed), an integer gateway.port, gateway.mode "local". */
const VALIDATOR = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const JSON5 = createRequire(${JSON.stringify(path.resolve('package.json'))})('json5');
const cfg = JSON5.parse(readFileSync(process.argv[2], 'utf8').replace(/^\\ufeff/, ''));
if (!Number.isInteger(cfg.gateway?.port)) { process.stderr.write(process.argv[2] + ': gateway.port: Expected number\\n'); process.exit(1); }
if (cfg.gateway.mode !== 'local') { process.stderr.write(process.argv[2] + ': gateway.mode: Invalid enum value\\n'); process.exit(1); }
`;

const GOOD = '\ufeff// mine\r\n{\r\n  gateway: { mode: "local", port: 18789, auth: { token: "tok-old" } },\r\n  "ключ": "значение",\r\n}\r\n';
// Since then: a schema change added `agents`, the user edited the unicode key and rotated the token, and broke gateway.mode.
const BROKEN = '\ufeff// mine\r\n{\r\n  gateway: { mode: "lokal", port: 18789, auth: { token: "tok-new" } }, // edited\r\n  "ключ": "новое",\r\n  agents: { list: [{ id: "main" }] },\r\n}\r\n';

describe('a rejected value is put back alone, not the whole file', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
    const validator = await fx.script('validate-json5.mjs', VALIDATOR);
    fx.configPath = path.join(fx.dir, 'openclaw.json');
    fx.withService({ configFile: { path: fx.configPath, format: 'json5', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: [...OPENCLAW_PROTECTED_SETTINGS] } });
  });
  afterEach(() => fx.cleanup());

  it('keeps the keys added since the copy seen healthy, and every other edit, byte for byte', async () => {
    await fx.snapshots.save(Buffer.from(GOOD), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(fx.configPath, BROKEN, { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(out.details).toMatchObject({ method: 'revert-named-values', reverted: ['gateway.mode'], rewritten: false });
    expect(out.details!.semanticDiff).toMatchObject({ added: [], removed: [], changed: ['gateway.mode'] });
    expect(out.message).toMatch(/put back gateway\.mode \(named by the validator\)/);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(BROKEN.replace('"lokal"', '"local"'));
    // The broken bytes are kept as evidence.
    expect(await fs.readFile(String(out.details!.evidence), 'utf8')).toBe(BROKEN);
  });

  it('never puts back a protected setting on its own, and never a path the file lacks', () => {
    expect(namedValuePaths('', 'f: gateway.mode: Invalid\n', { gateway: { mode: 'x' } })).toEqual(['gateway.mode']);
    expect(namedValuePaths('{"issues":[{"path":["gateway","port"],"message":"Expected number"}]}', '', { gateway: { port: 'x' } })).toEqual(['gateway.port']);
    expect(namedValuePaths('', 'f: gateway.mode: Invalid\n', { gateway: {} })).toBeUndefined();
    expect(namedValuePaths('', 'something is wrong\n', { gateway: {} })).toBeUndefined();
  });
});
