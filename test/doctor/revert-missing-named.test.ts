// A required key the user deleted (the validator says "gateway.mode: Required", the path is not in the file): only that key
// comes back from the copy seen healthy, every later edit stays; never a protected setting; paths in other spellings too.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { namedValuePaths } from '../../src/doctor/revert-named-values.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** Requires gateway.mode "local" and agents.list[0].id; prints zod-style JSON issues when STYLE=json, else plain lines. */
const VALIDATOR = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const JSON5 = createRequire(${JSON.stringify(path.resolve('package.json'))})('json5');
const cfg = JSON5.parse(readFileSync(process.argv[2], 'utf8').replace(/^\\ufeff/, ''));
const style = process.argv[3];
const issues = [];
if (cfg.gateway?.mode === undefined) issues.push({ path: ['gateway', 'mode'], text: 'gateway.mode', message: 'Required' });
else if (cfg.gateway.mode !== 'local') issues.push({ path: ['gateway', 'mode'], text: 'gateway.mode', message: 'Invalid enum value' });
if (cfg.gateway?.auth?.token === undefined) issues.push({ path: ['gateway', 'auth', 'token'], text: 'gateway.auth.token', message: 'Required' });
if (typeof cfg.agents?.list?.[0]?.id !== 'string') issues.push({ path: ['agents', 'list', 0, 'id'], text: 'agents.list[0].id', message: 'Required' });
if (issues.length === 0) process.exit(0);
if (style === 'json') process.stdout.write(JSON.stringify({ valid: false, issues: issues.map((i) => ({ path: i.path, message: i.message })) }));
else if (style === 'pointer') process.stdout.write(JSON.stringify({ valid: false, issues: issues.map((i) => ({ path: '/' + i.path.join('/'), message: i.message })) }));
else for (const i of issues) process.stderr.write(process.argv[2] + ': ' + i.text + ': ' + i.message + '\\n');
process.exit(1);
`;

const GOOD = '\ufeff// mine\r\n{\r\n  gateway: { mode: "local", port: 18789, auth: { token: "tok-old" } },\r\n  agents: { list: [{ id: "main", model: "a" }] },\r\n  "ключ": "значение",\r\n}\r\n';

describe('a required key the user deleted comes back alone, not the whole file', () => {
  let fx: DoctorFixture;
  const setUp = async (style: string): Promise<void> => {
    const validator = await fx.script('validate-json5.mjs', VALIDATOR);
    fx.configPath = path.join(fx.dir, 'openclaw.json');
    fx.withService({ configFile: { path: fx.configPath, format: 'json5', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}', style], protect: [...OPENCLAW_PROTECTED_SETTINGS] } });
    await fx.snapshots.save(Buffer.from(GOOD), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
  };
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  for (const style of ['plain', 'json', 'pointer']) {
    it(`puts back only the deleted gateway.mode (${style} output); the token rotated since and the key added since stay`, async () => {
      await setUp(style);
      const broken = '\ufeff// mine\r\n{\r\n  gateway: { port: 18789, auth: { token: "tok-new" } }, // edited\r\n  agents: { list: [{ id: "main", model: "b" }] },\r\n  "ключ": "новое",\r\n  extra: true,\r\n}\r\n';
      await fs.writeFile(fx.configPath, broken, { mode: 0o600 });
      const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
      const out = report.outcomes[0]!;
      expect(out.details).toMatchObject({ method: 'revert-named-values', reverted: ['gateway.mode'] });
      expect(out.verified).toBe(true);
      const now = await fs.readFile(fx.configPath, 'utf8');
      expect(now).toContain('"tok-new"');
      expect(now).toContain('"новое"');
      expect(now).toContain('extra: true');
      expect(now).toContain('model: "b"');
      expect(now).toContain('// edited');
      expect(now.startsWith('\ufeff// mine\r\n')).toBe(true);
      expect(out.details!.semanticDiff).toMatchObject({ added: ['gateway.mode'], removed: [], changed: [] });
      expect(out.message).toMatch(/put back gateway\.mode/);
      expect(await fs.readFile(String(out.details!.evidence), 'utf8')).toBe(broken);
    });
  }

  it('puts back a deleted array element key named as agents.list[0].id', async () => {
    await setUp('plain');
    const broken = '{\n  gateway: { mode: "local", port: 18789, auth: { token: "tok-new" } },\n  agents: { list: [{ model: "b" }] },\n  added: 1,\n}\n';
    await fs.writeFile(fx.configPath, broken, { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.details).toMatchObject({ method: 'revert-named-values', reverted: ['agents.list.0.id'] });
    expect(out.verified).toBe(true);
    const now = await fs.readFile(fx.configPath, 'utf8');
    expect(now).toContain('"tok-new"');
    expect(now).toContain('added: 1');
    // The element's other value, edited since, stays the user's (not the whole list from the copy).
    expect(now).toMatch(/"?model"?: ?"b"/);
    expect(now).not.toMatch(/"a"/);
  });

  it('never puts back a deleted protected setting from the copy', async () => {
    await setUp('plain');
    const broken = '{\n  gateway: { mode: "local", port: 18789, auth: {} },\n  agents: { list: [{ id: "main" }] },\n}\n';
    await fs.writeFile(fx.configPath, broken, { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.details?.method).not.toBe('revert-named-values');
    expect(JSON.stringify(out.details?.attempts)).toMatch(/protected ones \(gateway\.auth\.token\)/);
  });

  it('reads a path in any common spelling', () => {
    const v = { gateway: { mode: 'x' }, agents: { list: [{ id: 1 }] } };
    expect(namedValuePaths('', 'f: gateway["mode"]: Invalid\n', v)).toEqual(['gateway.mode']);
    expect(namedValuePaths('', "f: gateway['mode']: Invalid\n", v)).toEqual(['gateway.mode']);
    expect(namedValuePaths('', 'f: /gateway/mode: Invalid\n', v)).toEqual(['gateway.mode']);
    expect(namedValuePaths('', 'f: agents.list[0].id: Expected string\n', v)).toEqual(['agents.list.0.id']);
    expect(namedValuePaths('{"issues":[{"path":"/agents/list/0/id","message":"x"}]}', '', v)).toEqual(['agents.list.0.id']);
    expect(namedValuePaths('{"issues":[{"path":"$.agents.list[0].id","message":"x"}]}', '', v)).toEqual(['agents.list.0.id']);
    // Absent from the file: named only when the copy has it.
    expect(namedValuePaths('', 'f: gateway.port: Required\n', v)).toBeUndefined();
    expect(namedValuePaths('', 'f: gateway.port: Required\n', v, { gateway: { port: 1 } })).toEqual(['gateway.port']);
  });
});
