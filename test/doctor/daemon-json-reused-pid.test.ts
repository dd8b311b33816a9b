// daemon.json without a start time (no /proc nor ps when written, or by hand) naming a pid a reboot gave to another
// process: `clawback doctor` judged it by the pid alone, took the stranger for the live daemon, and `doctor --fix`
// exited 70 ("the clawback daemon is not running") instead of repairing. One rule for all readers: recordedDaemonLives.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { liveSupervision } from '../../src/doctor/live-instances.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function stranger(): MarkedChild {
  const c = spawnMarked('sleep', ['600']);
  cleanup.push(async () => {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  });
  return c;
}

/** A state dir whose daemon.json names `pid` with no start time, its heartbeat 10 min old, its start 1 min before that. */
function stateNaming(pid: number): { config: string; stateDir: string } {
  const dir = tempDir('clawback-doctor-reused-pid-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'clawback.yaml');
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', command: ['sleep', '300'] }] })));
  const stateDir = path.join(dir, 'state');
  mkdirSync(stateDir, { mode: 0o700 });
  const old = Date.now() - 600_000;
  writeFileSync(
    path.join(stateDir, 'daemon.json'),
    JSON.stringify({ pid, startedAt: old - 60_000, version: '0.1.0', api: { host: '127.0.0.1', port: 1 }, heartbeatAt: old, configPath: config, pidStartTime: null }),
  );
  return { config, stateDir };
}

describe('doctor and a daemon.json naming a reused pid without a start time', () => {
  it('liveSupervision names no daemon pid for the stranger', async () => {
    const s = stranger();
    const { stateDir } = stateNaming(s.pid);
    expect((await liveSupervision(stateDir, 'web')).daemonPid).toBeUndefined();
    expect(s.exitInfo()).toBeUndefined();
  });

  it('`doctor --fix` runs its one-shot check (exit 0), not "the daemon is not running" (exit 70); the stranger lives', async () => {
    const s = stranger();
    const { config, stateDir } = stateNaming(s.pid);
    const r = await runCli(['doctor', '--fix', '--config', config, '--state-dir', stateDir], { timeoutMs: 60_000 });
    expect(r.stderr).not.toContain('not running');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('web: healthy');
    expect(s.exitInfo()).toBeUndefined();
  }, 90_000);
});
