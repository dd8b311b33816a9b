// The API token stays out of the daemon's output when that output is a log (a service manager's journal,
// <stateDir>/logs/daemon.out.log): the banner names the token file instead. At a terminal the dashboard URL carries it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { spawn as spawnPty, type IPty } from '@lydell/node-pty';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

function setup(): { config: string; stateDir: string } {
  const dir = tempDir('clawback-banner-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'clawback.yaml');
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
  return { config, stateDir: path.join(dir, 'state') };
}

describe('the daemon banner and the API token', () => {
  it('output to a pipe or file (a log): no token, the token file is named', async () => {
    const s = setup();
    const d: MarkedChild = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
    cleanup.push(async () => {
      d.child.kill('SIGTERM');
      await d.waitForExit(15_000).catch(() => d.kill());
    });
    await d.waitForStdout('dashboard:', 20_000);
    const token = readFileSync(path.join(s.stateDir, 'token'), 'utf8').trim();
    expect(token.length).toBeGreaterThanOrEqual(16);
    // Before: "dashboard: http://127.0.0.1:PORT/#token=<the token>" went to the journal of systemd or launchd's log file.
    expect(d.stdout()).not.toContain(token);
    expect(d.stdout()).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\//);
    expect(d.stdout()).toContain(path.join(s.stateDir, 'token'));
  });

  it('output to a terminal (a person): the dashboard URL carries the token in its fragment', async () => {
    const s = setup();
    let out = '';
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    env.CLAWBACK_TEST_CHILD = '1';
    const pty: IPty = spawnPty(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir], { cols: 200, rows: 40, env });
    let exited = false;
    const exit = new Promise<void>((resolve) => pty.onExit(() => ((exited = true), resolve())));
    pty.onData((d) => (out += d));
    cleanup.push(async () => {
      if (!exited) pty.kill('SIGTERM');
      await Promise.race([exit, new Promise((r) => setTimeout(r, 15_000))]);
      if (!exited) pty.kill('SIGKILL');
    });
    await waitFor(() => out.includes('status:'), { timeoutMs: 20_000, intervalMs: 100, message: 'the banner at the terminal' });
    const token = readFileSync(path.join(s.stateDir, 'token'), 'utf8').trim();
    expect(out).toMatch(new RegExp(`dashboard: http://127\\.0\\.0\\.1:\\d+/#token=${token}`));
  });
});
