// `clawback status` colours its table at a terminal, and not when the user asked for none: NO_COLOR (no-color.org)
// or TERM=dumb. Run in a real PTY, so the command sees a terminal as a person's shell gives it.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { spawn as spawnPty } from '@lydell/node-pty';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const SGR = /\u001b\[\d+m/;

function statusAtTerminal(stateDir: string, extra: Record<string, string | undefined>): Promise<string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, TERM: 'xterm-256color', ...extra })) if (v !== undefined) env[k] = v;
  delete env.NO_COLOR;
  if (extra.NO_COLOR !== undefined) env.NO_COLOR = extra.NO_COLOR;
  const pty = spawnPty(NODE, [CLI, 'status', '--state-dir', stateDir], { cols: 200, rows: 40, env });
  let out = '';
  pty.onData((d) => (out += d));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => (pty.kill('SIGKILL'), reject(new Error(`status did not end in 20 s: ${out}`))), 20_000);
    pty.onExit(() => (clearTimeout(t), resolve(out)));
  });
}

describe('colour at a terminal', () => {
  let dir: string;
  let stateDir: string;
  let d: MarkedChild;
  beforeAll(async () => {
    dir = tempDir('clawback-nocolor-');
    const config = path.join(dir, 'clawback.yaml');
    stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await waitFor(async () => (await runCli(['status', '--json', '--state-dir', stateDir])).stdout.includes('"running"'), { timeoutMs: 30_000, intervalMs: 200 });
  }, 40_000);
  afterAll(async () => {
    d.child.kill('SIGTERM');
    await d.waitForExit(20_000).catch(() => d.kill());
    rmSync(dir, { recursive: true, force: true });
  });

  it('colours the state at a terminal by default', async () => {
    const out = await statusAtTerminal(stateDir, {});
    expect(out).toContain('steady');
    expect(out).toMatch(SGR);
  }, 30_000);

  it('NO_COLOR (any non-empty value) and TERM=dumb: the same table, no colour codes', async () => {
    for (const extra of [{ NO_COLOR: '1' }, { NO_COLOR: 'yes' }, { TERM: 'dumb' }]) {
      const out = await statusAtTerminal(stateDir, extra);
      expect(out, JSON.stringify(extra)).toContain('steady');
      expect(out, JSON.stringify(extra)).not.toMatch(SGR);
    }
  }, 60_000);

  it('an empty NO_COLOR does not turn colour off (no-color.org)', async () => {
    expect(await statusAtTerminal(stateDir, { NO_COLOR: '' })).toMatch(SGR);
  }, 30_000);
});
