// A YAML syntax error printed its position twice: "... at line 2, column 1: (t.yaml:2:1)". The attached position is
// said once, after the message; the parser's own "at line N, column M" is dropped when the position is attached.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('clawback validate names a YAML syntax error position once', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yaml-pos-'));
  dirs.push(dir);
  const file = path.join(dir, 't.yaml');
  writeFileSync(file, 'services:\n- name: [x\n');
  const r = await runCli(['validate', '--config', file]);
  expect(r.code).not.toBe(0);
  const out = r.stdout + r.stderr;
  expect(out).toContain(`end with a ] (${file}:3:1)`);
  expect(out).not.toMatch(/at line \d+, column \d+/);
}, 30_000);
