// After SIGUSR2 (the daemon exits, its services run on) `status` said only "not running", as if the services were down,
// and its "start it with" hint, typed beside ./clawback.yaml, dropped --config (pasted elsewhere it ran the demo).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, tempDir } from '../helpers/daemon.js';
import { freePortRun } from '../helpers/ports.js';
import { isAlive, killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';

let left: PidRef[] = [];
let daemon: ChildProcess | undefined;
let dirs: string[] = [];
afterEach(() => {
  if (daemon?.pid && daemon.exitCode === null) daemon.kill('SIGKILL');
  for (const r of left) killTree(r);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  left = [];
  dirs = [];
  daemon = undefined;
});

describe('status after the daemon exited with SIGUSR2', () => {
  it('names the services still running with their pids, and the hint keeps the config', async () => {
    const dir = tempDir('cb-usr2-status-');
    dirs.push(dir);
    const port = await freePortRun(1);
    const sleeper = path.join(FIXTURES, 'sleeper.mjs');
    writeFileSync(
      path.join(dir, 'clawback.yaml'),
      `stateDir: ./state\napi:\n  port: ${port}\nservices:\n  - name: web\n    command: [${JSON.stringify(NODE)}, ${JSON.stringify(sleeper)}]\n  - name: worker\n    command: [${JSON.stringify(NODE)}, ${JSON.stringify(sleeper)}]\n`,
    );
    const env = { ...process.env, CLAWBACK_TEST_CHILD: '1', CLAWBACK_CONFIG: '', HOME: dir };
    daemon = spawn(NODE, [CLI, 'run'], { cwd: dir, env, stdio: 'ignore' });
    const stateFile = path.join(dir, 'state', 'state.json');
    const pids = await waitFor(
      () => {
        if (!existsSync(path.join(dir, 'state', 'daemon.json')) || !existsSync(stateFile)) return undefined;
        const s = JSON.parse(readFileSync(stateFile, 'utf8')) as { services: Record<string, { record: { instance: { pid: number } | null } }> };
        const web = s.services.web?.record.instance?.pid;
        const worker = s.services.worker?.record.instance?.pid;
        return web && worker ? { web, worker } : undefined;
      },
      { timeoutMs: 20_000 },
    );
    left = [pidRef(pids.web), pidRef(pids.worker)];
    daemon.kill('SIGUSR2');
    await waitFor(() => daemon!.exitCode !== null || undefined, { timeoutMs: 20_000 });
    expect(isAlive(pids.web) && isAlive(pids.worker)).toBe(true);

    const r = await runCli(['status'], { cwd: dir, env: { CLAWBACK_CONFIG: '', HOME: dir } });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('not running');
    expect(r.stderr).toContain(`web (pid ${pids.web})`);
    expect(r.stderr).toContain(`worker (pid ${pids.worker})`);
    expect(r.stderr).toContain('still run');
    const hint = /start it with: (.*)$/m.exec(r.stderr)![1]!;
    expect(hint).toContain(`--config ${path.join(dir, 'clawback.yaml')}`);

    const j = await runCli(['status', '--json'], { cwd: dir, env: { CLAWBACK_CONFIG: '', HOME: dir } });
    expect(j.code).toBe(3);
    const answer = JSON.parse(j.stdout) as { ok: boolean; error: { message: string; exitCode: number } };
    expect(answer.ok).toBe(false);
    expect(answer.error.message).toContain(`web (pid ${pids.web})`);
  }, 60_000);
});
