// Right after `clawback run`, the first start waits for each service's preflight (OpenClaw's config validator, 3-60 s),
// and daemon.json was written only after it: `clawback status` waited 10 s and answered only "has not finished
// booting". Real daemon, a real validator held open by a gate file: status answers at once, says the daemon is
// starting and shows the validator step; --json carries daemon.starting and the service's preflight.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, tempDir } from '../helpers/daemon.js';
import { freePortRun } from '../helpers/ports.js';
import { killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';

let daemon: ChildProcess | undefined;
let left: PidRef[] = [];
let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) writeFileSync(path.join(d, 'gate'), '');
  if (daemon?.pid && daemon.exitCode === null) {
    daemon.kill('SIGINT');
    await waitFor(() => daemon!.exitCode !== null || daemon!.signalCode !== null || undefined, { timeoutMs: 20_000 }).catch(() => daemon?.kill('SIGKILL'));
  }
  for (const r of left) killTree(r);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  daemon = undefined;
  left = [];
  dirs = [];
});

type Json = { daemon: { starting?: boolean }; services: { name: string; state: string; preflight?: { step: string } }[] };

describe('status during the first start', () => {
  it('answers at once while the preflight validator runs: daemon starting, the step and its budget', async () => {
    const dir = tempDir('cb-first-start-');
    dirs.push(dir);
    const port = await freePortRun(1);
    const validatorPid = path.join(dir, 'validator.pid');
    writeFileSync(path.join(dir, 'svc.json'), '{"ok": true}\n');
    const validator = [NODE, path.join(FIXTURES, 'gated-validator.mjs'), validatorPid, path.join(dir, 'gate')];
    writeFileSync(
      path.join(dir, 'clawback.yaml'),
      `stateDir: ./state\napi:\n  port: ${port}\nservices:\n  - name: svc\n    command: [${JSON.stringify(NODE)}, ${JSON.stringify(path.join(FIXTURES, 'sleeper.mjs'))}]\n` +
        `    configFile:\n      path: ${JSON.stringify(path.join(dir, 'svc.json'))}\n      format: json\n      validateCommand: ${JSON.stringify(validator)}\n      validateTimeout: 60s\n`,
    );
    const env = { CLAWBACK_CONFIG: '', HOME: dir };
    daemon = spawn(NODE, [CLI, 'run'], { cwd: dir, env: { ...process.env, CLAWBACK_TEST_CHILD: '1', ...env }, stdio: 'ignore' });
    const vpid = await waitFor(() => (existsSync(validatorPid) ? Number(readFileSync(validatorPid, 'utf8')) || undefined : undefined), { timeoutMs: 20_000, message: 'the validator to start' });
    left.push(pidRef(vpid));

    // The validator is held open: the first start is still under way for every answer below.
    const r = await runCli(['status'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('DAEMON STARTING');
    expect(r.stdout).toMatch(/svc: preflight: validating config \(.*gated-validator\.mjs.*\), \S+ of 1m00s budget/);
    const j = await runCli(['status', '--json'], { cwd: dir, env });
    expect(j.code, j.stderr).toBe(0);
    const st = JSON.parse(j.stdout) as Json;
    expect(st.daemon.starting).toBe(true);
    expect(st.services[0]).toMatchObject({ name: 'svc', state: 'starting', preflight: { step: 'validating config' } });
    expect(existsSync(path.join(dir, 'gate'))).toBe(false);

    // Once the validator ends the service starts and the daemon is no longer "starting".
    writeFileSync(path.join(dir, 'gate'), '');
    await waitFor(
      async () => {
        const a = await runCli(['status', '--json'], { cwd: dir, env });
        const s = JSON.parse(a.stdout) as Json;
        return s.daemon.starting === false && s.services[0]?.state === 'running' ? true : undefined;
      },
      { timeoutMs: 30_000, message: 'the first start to finish' },
    );
    const after = await runCli(['status'], { cwd: dir, env });
    expect(after.stdout).not.toContain('DAEMON STARTING');
    expect(after.stdout).not.toContain('preflight:');
  }, 90_000);
});
