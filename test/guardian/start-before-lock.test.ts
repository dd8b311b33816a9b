// A person's `clawback run` after a stop on purpose, caught before its config has loaded: daemon.lock used to be taken
// only once the config loader process answered (1.4 s idle, 5 s on a loaded box), and a guardian pass in that window
// recorded `stopped` (or, after a crash, started a second daemon). `run` now takes the lock first (real CLI, real pass).
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { currentBootId, stoppedMarkerText } from '../../src/daemon/stopped-marker.js';

const children: MarkedChild[] = [];
const stopped: number[] = [];
afterEach(async () => {
  for (const pid of stopped.splice(0)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone
    }
  }
  for (const c of children.splice(0)) {
    c.signal('SIGCONT');
    c.signal('SIGINT');
    await c.waitForExit(20_000).catch(() => undefined);
    c.kill();
  }
});

/** The pids of pid's children (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('guardian during a start whose config is still loading', () => {
  it.runIf(process.platform === 'linux')('the starting daemon holds daemon.lock before its config loads: the pass says starting, starts nothing', async () => {
    const dir = tempDir('clawback-guardian-start-before-lock-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: await freePort() }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    // What a Ctrl-C of the last daemon left.
    writeFileSync(path.join(stateDir, 'daemon.stopped'), stoppedMarkerText(Date.now() - 1000, currentBootId()));
    const daemon = spawnMarked(NODE, [CLI, 'run', '--config', configPath, '--state-dir', stateDir]);
    children.push(daemon);
    // Its config loader process, held: the daemon cannot get past loading its config (a loaded machine, made certain).
    const loader = await waitFor(() => childrenOf(daemon.pid)[0], { timeoutMs: 20_000, intervalMs: 1 });
    process.kill(loader, 'SIGSTOP');
    stopped.push(loader);
    expect(existsSync(path.join(stateDir, 'daemon.json'))).toBe(false);

    const g = await runCli(['guardian', '--once', '--json', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 40_000 });
    const report = JSON.parse(g.stdout) as { outcome: string; actions: string[] };
    expect(report.outcome, report.actions.join('\n')).toBe('starting');
    expect(existsSync(path.join(stateDir, 'logs', 'daemon.out.log')), 'the guardian started a second daemon').toBe(false);

    process.kill(loader, 'SIGCONT');
    await daemon.waitForStdout('dashboard:', 30_000);
    expect(JSON.parse(readFileSync(path.join(stateDir, 'daemon.lock'), 'utf8')).pid).toBe(daemon.pid);
  }, 90_000);

  it('a config that does not load lets go of the lock taken before it loaded', async () => {
    const dir = tempDir('clawback-guardian-early-lock-refused-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(configPath, YAML.stringify({ services: [{ name: 'sl', command: 'not-an-array' }] }));
    const r = await runCli(['run', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 40_000 });
    expect(r.code).toBe(78);
    expect(existsSync(path.join(stateDir, 'daemon.lock'))).toBe(false);
  }, 60_000);
});
