// Removing a key the validator names from a YAML config cuts that key's lines: the rest of the user's file stays byte for byte.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { removeKeysFromText } from '../../src/doctor/text-key-removal.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** Names every top-level key but gateway/agents as unknown ("<key>: unknown key"), from the text alone. */
const VALIDATOR = `import { readFileSync } from 'node:fs';
const bad = readFileSync(process.argv[2], 'utf8').split(/\\r?\\n/).map((l) => /^([A-Za-z]\\w*):/.exec(l)?.[1]).filter((k) => k && !['gateway', 'agents'].includes(k));
for (const k of bad) process.stderr.write(k + ': unknown key\\n');
process.exit(bad.length ? 1 : 0);
`;

const USER_YAML = [
  '# gateway config, edited by hand',
  'gateway:',
  '    port:   18789        # the port',
  '    auth: {token: "sk-keep-me"}',
  "    banner: 'a very long banner line that goes on and on and on and on and on and on and on and on and on to the end'",
  '    list: [a, b,   c]',
  'newFeature:',
  '    enabled: yes   # added by a newer version',
  'agents:',
  '  - name: x',
  '',
].join('\r\n');

describe('YAML key removal keeps the layout', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('removeKeysFromText cuts only the key\'s lines (indentation, flow style, long lines, CRLF kept)', () => {
    const expected = YAML.parse(USER_YAML) as Record<string, unknown>;
    delete expected.newFeature;
    expect(removeKeysFromText(USER_YAML, ['newFeature'], 'yaml', expected)).toBe(USER_YAML.replace('newFeature:\r\n    enabled: yes   # added by a newer version\r\n', ''));
  });

  it('doctor --fix says "nothing else changed" and nothing else did', { timeout: 30_000 }, async () => {
    const configPath = path.join(fx.dir, 'gateway.yaml');
    await fs.writeFile(configPath, USER_YAML);
    const validator = await fx.script('validate-yaml.mjs', VALIDATOR);
    fx.withService({ configFile: { path: configPath, format: 'yaml', validateCommand: [process.execPath, validator, '{file}'], protect: ['gateway.auth.token'] } });

    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true, details: { method: 'remove-named-keys', removed: ['newFeature'] } });
    expect(report.outcomes[0]!.message).toContain('nothing else changed');
    expect(await fs.readFile(configPath, 'utf8')).toBe(USER_YAML.replace('newFeature:\r\n    enabled: yes   # added by a newer version\r\n', ''));
  });
});
