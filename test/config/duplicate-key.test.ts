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
