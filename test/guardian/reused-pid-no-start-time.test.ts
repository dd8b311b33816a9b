// daemon.json without a start time (written where neither /proc nor ps gave one, or by hand) naming a pid that a
// reboot gave to another process: the guardian rightly does not kill it, and the daemon it starts must not take that
// stranger for a live daemon ("already running (pid N)", exit 2, down for as long as the stranger lives).
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { killTree, pidRef, processesSupervisedBy, spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { mayBeRecordedDaemon } from '../../src/daemon/daemon-identity.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function started(child: MarkedChild): MarkedChild {
  cleanup.push(async () => {
    child.kill();
    await child.waitForExit(5000).catch(() => undefined);
  });
  return child;
}

/** A state dir whose daemon.json names `pid` with no start time, its heartbeat 10 min old, its start 1 min before that. */
function stateNaming(pid: number): { config: string; stateDir: string } {
  const dir = tempDir('clawback-reused-pid-');
  const config = path.join(dir, 'clawback.yaml');
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', command: ['sleep', '300'] }] })));
  const stateDir = path.join(dir, 'state');
  // Registered first, so run last: the services outlive their daemon's SIGKILL (their own process groups).
  cleanup.push(() => {
    for (const pid of processesSupervisedBy(stateDir)) killTree(pidRef(pid));
  });
  const old = Date.now() - 600_000;
  mkdirSync(stateDir, { mode: 0o700 });
  writeFileSync(
    path.join(stateDir, 'daemon.json'),
    JSON.stringify({ pid, startedAt: old - 60_000, version: '0.1.0', api: { host: '127.0.0.1', port: 1 }, heartbeatAt: old, configPath: config, pidStartTime: null }),
  );
  return { config, stateDir };
}

describe('a reused pid in daemon.json without a start time', () => {
  it('mayBeRecordedDaemon: a clawback `run` started before its record may be it; another command, or a later start, is not', () => {
    expect(mayBeRecordedDaemon(['node', '/x/dist/cli/main.js', 'run'], 1_000, 2_000)).toBe(true);
    expect(mayBeRecordedDaemon(['sleep', '4000'], 1_000, 2_000)).toBe(false);
    expect(mayBeRecordedDaemon(['node', '/x/dist/cli/main.js', 'run'], 600_000, 2_000)).toBe(false);
    expect(mayBeRecordedDaemon(undefined, undefined, 2_000)).toBe(true);
  });

  it('`clawback run` starts (no "already running" exit 2) while the stranger lives; the stranger is left alone', async () => {
    const stranger = started(spawnMarked('sleep', ['600']));
    const { config, stateDir } = stateNaming(stranger.pid);
    const d = started(spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]));
    cleanup.push(() => killTree(pidRef(d.pid)));
    await Promise.race([
      d.waitForStdout('dashboard:', 30_000),
      d.exited.then((e) => {
        throw new Error(`the daemon exited ${e.code}: ${d.stderr()}`);
      }),
    ]);
    expect(stranger.exitInfo()).toBeUndefined();
    const info = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { pid: number };
    expect(info.pid).toBe(d.pid);
  }, 60_000);

  it('a guardian pass sees recycled-pid, kills nothing and revives the daemon', async () => {
    const stranger = started(spawnMarked('sleep', ['600']));
    const { stateDir } = stateNaming(stranger.pid);
    const r = await runCli(['guardian', '--json', '--state-dir', stateDir], { timeoutMs: 60_000 });
    const report = JSON.parse(r.stdout) as { outcome: string; seen: string; after?: { pid: number }; daemonExit?: { output: string } };
    if (report.after) cleanup.push(() => killTree(pidRef(report.after!.pid)));
    expect(report.seen, r.stdout).toBe('recycled-pid');
    expect(report.daemonExit, r.stdout).toBeUndefined();
    expect(report.outcome, r.stdout).toBe('revived');
    expect(stranger.exitInfo()).toBeUndefined();
  }, 90_000);
});
