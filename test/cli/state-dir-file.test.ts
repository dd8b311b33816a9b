// `--state-dir ./clawback.yaml` (a file) said "the daemon is not running (daemon.json unreadable: ENOTDIR ...)" and
// offered to start one there (exit 3); it is a wrong word on the command line: a usage error naming it (exit 1).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-state-dir-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a state directory that is a file', () => {
  it('--state-dir FILE, $CLAWBACK_STATE_DIR under a file: exit 1, kind usage, naming it; a config stateDir: exit 2', async () => {
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, 'services: []\n');
    const env = { HOME: dir, CLAWBACK_STATE_DIR: '', CLAWBACK_CONFIG: '' };
    for (const args of [['status'], ['status', '--json'], ['restart', 'web', '--json'], ['incidents', '--json']]) {
      const r = await runCli([...args, '--state-dir', file], { env, cwd: dir });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(`--state-dir ${file} is a file, not a directory`);
      expect(r.stderr).not.toContain('not running');
      if (args.includes('--json')) expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { kind: 'usage', exitCode: 1 } });
    }
    const under = await runCli(['status'], { env: { ...env, CLAWBACK_STATE_DIR: path.join(file, 'state') }, cwd: dir });
    expect(under.code, under.stderr).toBe(1);
    expect(under.stderr).toContain(`$CLAWBACK_STATE_DIR ${path.join(file, 'state')} is under a file, not a directory`);

    const cfgDir = path.join(dir, 'cfg');
    mkdirSync(cfgDir);
    const config = path.join(cfgDir, 'clawback.yaml');
    writeFileSync(config, `stateDir: ${file}\nservices: []\n`);
    const fromConfig = await runCli(['status', '--json', '--config', config], { env, cwd: dir });
    expect(fromConfig.code, fromConfig.stderr).toBe(2);
    expect(fromConfig.stderr).toContain(`stateDir: ${file} is a file, not a directory`);
    expect(JSON.parse(fromConfig.stdout)).toMatchObject({ ok: false, error: { kind: 'invalid-config', exitCode: 2 } });

    // A missing directory is still "not running" (exit 3), as before.
    const missing = await runCli(['status', '--state-dir', path.join(dir, 'nothing-here')], { env, cwd: dir });
    expect(missing.code).toBe(3);
  }, 90_000);
});
