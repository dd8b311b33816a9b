// A clawback.json5 in the current directory was passed over: `clawback validate` there said "(embedded demo config):
// valid (1 service(s): demo-gateway)" and `run` started the demo, though a .json5 file is a documented config format.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { findConfigFile } from '../../src/config/find-config.js';
import { runCli } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tempDir = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'find-json5-'));
  dirs.push(dir);
  return dir;
};

it('finds ./clawback.json5, after the YAML and JSON names', () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'clawback.json5'), '{services: []}\n');
  expect(findConfigFile({ cwd: dir, env: {} })).toBe(path.join(dir, 'clawback.json5'));
  writeFileSync(path.join(dir, 'clawback.json'), '{"services": []}\n');
  expect(findConfigFile({ cwd: dir, env: {} })).toBe(path.join(dir, 'clawback.json'));
});

it('clawback validate in a directory holding only clawback.json5 validates that file, not the demo', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'clawback.json5'), '{\n  // the web service\n  services: [{name: "web", command: ["node", "x.js"],},],\n}\n');
  const env: Record<string, string> = { CLAWBACK_STATE_DIR: path.join(dir, 'state'), CLAWBACK_CONFIG: '' };
  const r = await runCli(['validate'], { cwd: dir, env });
  expect(r.stdout + r.stderr).not.toContain('demo');
  expect(r.stdout).toContain(`${path.join(dir, 'clawback.json5')}: valid (1 service(s): web)`);
  expect(r.code).toBe(0);
}, 30_000);
