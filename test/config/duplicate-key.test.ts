// A key written twice (YAML or JSON) was refused as "cannot parse: Map keys must be unique": neither the key nor its
// first use was named. The message now names the key and where it was first set; the position is the second one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { parseConfigSource } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const message = (text: string): string => {
  try {
    parseConfigSource(text, 'c.yaml');
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
};

it('names the duplicate key and its first use, in YAML, JSON and a quoted key', () => {
  expect(message('services:\n  - name: web\n    command: [node, x.js]\n    name: api\n')).toContain('key "name" appears twice in one mapping (first at line 2, col 5)');
  expect(message('{"services":[{"name":"web","command":["node","x.js"],"name":"api"}]}')).toContain('key "name" appears twice in one mapping (first at line 1, col 15)');
  expect(message('services:\n  - name: web\n    restart:\n      "maxDelay": 5s\n      maxDelay: 6s\n')).toContain('key "maxDelay" appears twice in one mapping (first at line 4, col 7)');
});

it('clawback validate says the key and both places', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dup-key-'));
  dirs.push(dir);
  const file = path.join(dir, 'c.yaml');
  writeFileSync(file, 'services:\n  - name: web\n    command: [node, x.js]\n    name: api\n');
  const r = await runCli(['validate', '--config', file]);
  expect(r.code).toBe(2);
  expect(r.stdout + r.stderr).toContain(`key "name" appears twice in one mapping (first at line 2, col 5): expected each key once; remove or rename one (${file}:4:5)`);
}, 30_000);

// JSON5 kept the last of a key written twice without a word: `{name: "web", ..., name: "api"}` validated as one
// service "api" (and ran it), while the same text as YAML or JSON was refused naming the key.
const json5Message = (text: string): string => {
  try {
    parseConfigSource(text, 'c.json5');
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
};

it('JSON5: names the duplicate key and both places, however the key is written', () => {
  expect(json5Message('{\n  services: [{name: "web", command: ["node", "x.js"],\n    name: "api"}],\n}\n')).toContain(
    'key "name" appears twice in one mapping (first at line 2, col 15): expected each key once; remove or rename one (c.json5:3:5)',
  );
  // quoted and unquoted spellings of one key, a \u escape, and a duplicate nested deep
  expect(json5Message(`{services: [{'name': "web", command: ["x"], name: "api"}]}`)).toContain('key "name" appears twice');
  expect(json5Message('{services: [{n\\u0061me: "web", command: ["x"], "name": "api"}]}')).toContain('key "name" appears twice');
  expect(json5Message('{services: [{name: "web", command: ["x"], restart: {maxDelay: "5s", /* again */ maxDelay: "6s"}}]}')).toContain('key "maxDelay" appears twice');
  // the top level, after comments and strings that hold braces, colons and commas
  expect(json5Message('// a {tricky}: comment, here\n{\n  stateDir: "a,{b}:c",\n  "services": [],\n  services: [],\n}')).toContain('key "services" appears twice in one mapping (first at line 4, col 3)');
});

it('JSON5: the same key in different objects, and keys that only look alike, are fine', () => {
  const ok = '\uFEFF{\n  // name: twice in a comment, name: again\n  services: [\n    {name: "a", command: ["x", "name: y"], env: {Name: "1", NAME: "2", "na me": "3"}},\n    {name: "b", command: [\'it\\\'s\'],},\n  ],\n}\n';
  expect(json5Message(ok)).toBe('accepted');
});

it('clawback validate of a .json5 with a key written twice: exit 2, the key and both places', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dup-key-'));
  dirs.push(dir);
  const file = path.join(dir, 'c.json5');
  writeFileSync(file, '{\n  services: [{name: "web", command: ["node", "x.js"],\n    name: "api"}],\n}\n');
  const r = await runCli(['validate', '--config', file, '--state-dir', path.join(dir, 'state')]);
  expect(r.code).toBe(2);
  expect(r.stdout + r.stderr).toContain(`key "name" appears twice in one mapping (first at line 2, col 15): expected each key once; remove or rename one (${file}:3:5)`);
}, 30_000);
