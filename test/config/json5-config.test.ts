// A JSON5 config (`{services:[{name:"web",...}]}`, as OpenClaw's own is written) was read as YAML, whose flow maps took
// `name:"web"` for one key: validate said `unknown key(s) "name:"web""` and `services[0].name: expected string`.
// A `.json5` file is read as JSON5, and so is a `{` file of another name that is JSON5 but not JSON; YAML stays YAML.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configProblems } from '../helpers/config-problems.js';
import { runCli } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const UNQUOTED = '{services:[{name:"web",command:["node","x.js"]}]}\n';
const COMMENTED = '{\n  // the gateway\n  services: [{name: "web", command: ["node", "x.js"],},],\n}\n';

describe('a JSON5 config', () => {
  it.each([
    ['unquoted keys, .json5', UNQUOTED, 'clawback.json5'],
    ['comments and trailing commas, .json5', COMMENTED, 'clawback.json5'],
    ['unquoted keys in a .json file', UNQUOTED, 'clawback.json'],
    ['a BOM and CRLF line ends', `\uFEFF${COMMENTED.replace(/\n/g, '\r\n')}`, 'clawback.json5'],
  ])('%s: is valid', (_, text, file) => {
    expect(configProblems(text, file)).toBe('');
  });

  it('a problem in it names the field, the value and what was expected', () => {
    const msg = configProblems('{services:[{name:"web",command:["node","x.js"],port:"abc"}]}', 'c.json5');
    expect(msg).toContain('services[0].port: expected number, received string (got "abc")');
    expect(msg).not.toContain('unknown key');
  });

  it('a syntax error says JSON5 was expected, where, and does not quote a letter of the text', () => {
    const msg = configProblems('{services:[{name:"web",\n token: hunter2}]}', 'c.json5');
    expect(msg).toContain('cannot parse: invalid character; expected JSON5');
    expect(msg).not.toContain("'h'");
  });

  it('YAML files and YAML flow maps are still YAML', () => {
    expect(configProblems('{services: [{name: web, command: [node, x.js]}]}\n', 'clawback.json')).toBe('');
    expect(configProblems('services:\n  - name: web\n    command: [node, x.js]\n', 'clawback.yaml')).toBe('');
    expect(configProblems('{"services":[{"name":"a","command":["x"]}],"services":[]}', 'clawback.json')).toContain(`key "services" appears twice`);
  });

  it('`clawback validate` of a .json5 file: exit 0; a wrong field is placed in the file only where YAML reads the same', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'json5-cfg-'));
    dirs.push(dir);
    const ok = path.join(dir, 'c.json5');
    writeFileSync(ok, UNQUOTED);
    const r = await runCli(['--config', ok, '--state-dir', path.join(dir, 'state'), 'validate']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const bad = path.join(dir, 'd.json5');
    writeFileSync(bad, '{services:[{name:"web",command:["node","x.js"],port:"abc"}]}\n');
    const b = await runCli(['--config', bad, '--state-dir', path.join(dir, 'state'), 'validate']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('services[0].port: expected number, received string (got "abc")');
    expect(b.stderr).not.toMatch(/d\.json5:\d+:\d+/);
  }, 60_000);
});
