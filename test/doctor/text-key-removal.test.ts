// Removing the keys a validator names keeps the rest of the user's file byte for byte: comments, quoting, order, layout.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import YAML from 'yaml';
import { removeKeysFromText, setValuesInText } from '../../src/doctor/text-key-removal.js';
import { withoutPaths } from '../../src/doctor/named-keys.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

function remove(text: string, paths: string[], format: 'json' | 'json5' | 'yaml'): string | undefined {
  const parsed = format === 'yaml' ? (YAML.parse(text) as unknown) : (JSON5.parse(text) as unknown);
  return removeKeysFromText(text, paths, format, withoutPaths(parsed, paths).value);
}

const OPENCLAW_JSON5 = `// OpenClaw config, edited by hand
{
  gateway: {
    mode: 'local',
    port: 18789, // the firewall depends on it
    experimentalThing: true, // added by an agent
    auth: { token: "sk-1234" },
  },
  /* channels: off until the bot is approved
  channels: { telegram: { botToken: '...' } },
  */
}
`;

describe('removeKeysFromText', () => {
  it('JSON5: exactly the member\'s line goes (with its own comment); every other byte stays', () => {
    const out = remove(OPENCLAW_JSON5, ['gateway.experimentalThing'], 'json5');
    expect(out).toBe(OPENCLAW_JSON5.replace("    experimentalThing: true, // added by an agent\n", ''));
  });

  it('strict JSON: the last member takes the previous comma with it, so the file stays JSON', () => {
    const text = '{\n  "name": "gw",\n  "port": 1,\n  "bogus": {"a": [1, 2]}\n}\n';
    expect(remove(text, ['bogus'], 'json')).toBe('{\n  "name": "gw",\n  "port": 1\n}\n');
  });

  it('members sharing a line, quoted keys, several paths', () => {
    const text = "{ 'a': 1, \"b c\": 2, d: { e: 3, f: 4 } }";
    expect(remove(text, ['b c', 'd.f'], 'json5')).toBe("{ 'a': 1, d: { e: 3 } }");
  });

  it('YAML keeps its comments', () => {
    const text = '# main config\nname: gw # the name\nbogus: 1\nport: 1 # fixed\n';
    const out = remove(text, ['bogus'], 'yaml')!;
    expect(out).toContain('# main config');
    expect(out).toContain('# fixed');
    expect(YAML.parse(out)).toEqual({ name: 'gw', port: 1 });
  });

  it('an array element is not cut from the text (undefined: the caller serializes instead)', () => {
    expect(remove('{ a: [1, 2] }', ['a.1'], 'json5')).toBeUndefined();
  });
});

// Both edits walk the path with one descent: the same member found, the same refusals.
describe('setValuesInText', () => {
  function set(text: string, path: string, value: unknown, expected: unknown): string | undefined {
    return setValuesInText(text, [{ path, value }], 'json5', expected);
  }

  it('replaces a value in place; every other byte stays', () => {
    const out = set(OPENCLAW_JSON5, 'gateway.port', 18790, { gateway: { mode: 'local', port: 18790, experimentalThing: true, auth: { token: 'sk-1234' } } });
    expect(out).toBe(OPENCLAW_JSON5.replace('port: 18789,', 'port: 18790,'));
  });

  it('a missing path becomes a member of the deepest object it reaches, in its layout', () => {
    const text = '{\n  gateway: {\n    mode: "local",\n  },\n}\n';
    expect(set(text, 'gateway.auth.token', 'x', { gateway: { mode: 'local', auth: { token: 'x' } } })).toBe('{\n  gateway: {\n    mode: "local",\n    auth: {\n      token: "x",\n    },\n  },\n}\n');
    expect(set('{}', 'a.b', 1, { a: { b: 1 } })).toBe('{"a": { "b": 1 }}');
  });

  it('a path through a value that is not an object is refused by both edits', () => {
    expect(set('{ a: 1 }', 'a.b', 2, { a: { b: 2 } })).toBeUndefined();
    expect(set('{ a: [1] }', 'a.0', 2, { a: [2] })).toBeUndefined();
    expect(remove('{ a: 1 }', ['a.b'], 'json5')).toBeUndefined();
    expect(remove('{ a: { c: 1 } }', ['a.b'], 'json5')).toBeUndefined();
  });
});

describe('config-restore: removing named keys from a commented JSON5 config', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('the repaired file differs from the original by the one line of the named key', async () => {
    const file = path.join(fx.dir, 'openclaw.json');
    const check = await fx.script(
      'check.mjs',
      `import { readFileSync } from 'node:fs';
import JSON5 from ${JSON.stringify(path.resolve('node_modules/json5/lib/index.js'))};
const cfg = JSON5.parse(readFileSync(process.argv[2], 'utf8'));
const bad = Object.keys(cfg.gateway).filter((k) => !['mode', 'port', 'auth'].includes(k));
if (bad.length) { console.log(JSON.stringify({ issues: bad.map((k) => ({ path: 'gateway', message: 'Unrecognized key: "' + k + '"' })) })); process.exit(1); }
`,
    );
    await fs.writeFile(file, OPENCLAW_JSON5);
    fx.withService({ configFile: { path: file, format: 'json5', validateCommand: [process.execPath, check, '{file}'], protect: ['gateway.auth', 'gateway.port'] } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(report.outcomes[0]!.details).toMatchObject({ method: 'remove-named-keys', removed: ['gateway.experimentalThing'], rewritten: false });
    expect(report.outcomes[0]!.message).toContain('nothing else changed');
    expect(await fs.readFile(file, 'utf8')).toBe(OPENCLAW_JSON5.replace("    experimentalThing: true, // added by an agent\n", ''));
  });
});
