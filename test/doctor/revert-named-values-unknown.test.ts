// One edit that both breaks a value and adds an unknown key: the value goes back and the key goes, as openclaw's validator
// names them, and every other edit (and the token) stays; before, the parent ("gateway") was taken as a value and the
// whole file was restored from the last-known-good.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { namedProblems } from '../../src/doctor/revert-named-values.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/**
 * Prints what `openclaw config validate --json` (openclaw 2026.9.6) printed for gateway.mode "bogus" plus gateway.bogusKey,
 * exit 1, on stdout:
 *   {"ok":false,"error":{"type":"cli_error","message":"OpenClaw config is invalid: ~/.openclaw/openclaw.json"},"valid":false,
 *    "path":"...","issues":[{"path":"gateway.mode","message":"Invalid input (allowed: \"local\", \"remote\")","allowedValues":["local","remote"]},
 *    {"path":"gateway","message":"Unrecognized key: \"bogusKey\""}]}
 * (a top-level unknown key is {"path":"<root>","message":"Unrecognized key: \"topUnknown\""}).
 */
const VALIDATOR = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const JSON5 = createRequire(${JSON.stringify(path.resolve('package.json'))})('json5');
const cfg = JSON5.parse(readFileSync(process.argv[2], 'utf8'));
const issues = [];
if (cfg.gateway.mode !== 'local' && cfg.gateway.mode !== 'remote') issues.push({ path: 'gateway.mode', message: 'Invalid input (allowed: "local", "remote")', allowedValues: ['local', 'remote'] });
for (const k of Object.keys(cfg.gateway)) if (!['mode', 'bind', 'port', 'auth'].includes(k)) issues.push({ path: 'gateway', message: 'Unrecognized key: "' + k + '"' });
for (const k of Object.keys(cfg)) if (!['gateway', 'logging'].includes(k)) issues.push({ path: '<root>', message: 'Unrecognized key: "' + k + '"' });
if (issues.length === 0) { console.log(JSON.stringify({ valid: true, path: process.argv[2], warnings: [] })); process.exit(0); }
console.log(JSON.stringify({ ok: false, error: { type: 'cli_error', message: 'OpenClaw config is invalid: ~/.openclaw/openclaw.json' }, valid: false, path: process.argv[2], issues }, null, 2));
process.exit(1);
`;

const GOOD = '{\n  // mine\n  gateway: { mode: "local", bind: "loopback", port: 18789, auth: { token: "tok-old" } },\n  logging: { level: "info" },\n}\n';
const BROKEN = '{\n  // mine\n  gateway: { mode: "bogus", bind: "loopback", port: 18789, bogusKey: 1, auth: { token: "tok-new" } },\n  logging: { level: "debug" },\n}\n';

describe('a rejected value beside an unknown key', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
    const validator = await fx.script('validate-openclaw.mjs', VALIDATOR);
    fx.configPath = path.join(fx.dir, 'openclaw.json');
    fx.withService({ configFile: { path: fx.configPath, format: 'json5', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: [...OPENCLAW_PROTECTED_SETTINGS] } });
  });
  afterEach(() => fx.cleanup());

  it('puts back gateway.mode, removes gateway.bogusKey, keeps logging.level and the new token', async () => {
    await fx.snapshots.save(Buffer.from(GOOD), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(fx.configPath, BROKEN, { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.details).toMatchObject({ method: 'revert-named-values', reverted: ['gateway.mode'], removed: ['gateway.bogusKey'], rewritten: false });
    expect(out.message).toMatch(/removed gateway\.bogusKey \(named by the validator as unknown\)/);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(BROKEN.replace('"bogus"', '"local"').replace(' bogusKey: 1,', ''));
  });

  it('reads the parent of an unknown key as the place of the key, not a value to put back', () => {
    const out = (issues: unknown[]) => JSON.stringify({ ok: false, valid: false, issues }, null, 2);
    const value = { gateway: { mode: 'bogus', bogusKey: 1 }, topUnknown: {} };
    expect(namedProblems(out([{ path: 'gateway.mode', message: 'Invalid input' }, { path: 'gateway', message: 'Unrecognized key: "bogusKey"' }, { path: '<root>', message: 'Unrecognized key: "topUnknown"' }]), '', value)).toEqual({
      values: ['gateway.mode'],
      unknown: ['gateway.bogusKey', 'topUnknown'],
    });
    // The plain text it prints without --json (2026.9.6).
    const text = 'OpenClaw config is invalid: ~/.openclaw/openclaw.json\n  × openclaw.json:1 — gateway.mode: Invalid input (allowed: "local", "remote"), got: "bogus"\n  × openclaw.json:1 — gateway: Unrecognized key: "bogusKey"\n';
    expect(namedProblems('', text.split('\n').slice(1).join('\n'), value)).toEqual({ values: ['gateway.mode'], unknown: ['gateway.bogusKey'] });
  });
});
