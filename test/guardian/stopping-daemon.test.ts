// A daemon waiting out a service's stop grace after its SIGTERM beat on, and the guardian said "seen: running" of it:
// daemon.json now says it is stopping (since when, and its bound), and the pass says "stopping", left alone.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { markServices, tempDir } from '../helpers/daemon.js';
import { assessDaemon, type DaemonInfo } from '../../src/daemon/daemon-info.js';
import { CLI, runCli } from '../helpers/cli.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { slowStopService } from '../helpers/slow-stop.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('the guardian during a daemon stop', () => {
  it('says "stopping" while the daemon waits out its services, and starts nothing', async () => {
    const dir = tempDir('clawback-stopping-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    const slow = slowStopService(8_000);
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'slow', command: slow.command, env: slow.env, stop: { grace: '30s' } }] })));
    const env = { HOME: path.join(dir, 'home') };
    const daemon: MarkedChild = spawnMarked(process.execPath, [CLI, 'run', '--config', configPath, '--state-dir', stateDir], { env });
    cleanup.push(() => daemon.kill());
    // The service, in its own group: killed should the daemon not stop it (a failure).
    cleanup.push(() => {
      for (const pid of readdirSync(slow.env.READY_DIR!).map(Number)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    });
    await daemon.waitForStdout('dashboard:', 60_000);
    const servicePid = await waitFor(() => readdirSync(slow.env.READY_DIR!).map(Number).find((pid) => slow.handling(pid)), { timeoutMs: 30_000, intervalMs: 100 });
    expect(servicePid).toBeGreaterThan(0);

    daemon.signal('SIGTERM');
    // The stop is under way: its service takes 8 s to end.
    await waitFor(() => /"stopping"/.test(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) || undefined, { timeoutMs: 5_000, intervalMs: 50 });
    // A SIGTERM is a stop on purpose: daemon.json says so, so a stop that hangs past its bound is not undone.
    const recorded = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as DaemonInfo;
    expect(recorded.stopping?.onPurpose).toBe(true);
    const g = await runCli(['guardian', '--once', '--json', '--config', configPath, '--state-dir', stateDir], { env, timeoutMs: 60_000 });
    const report = JSON.parse(g.stdout) as { outcome: string; seen: string; actions: string[]; errors: string[] };
    expect(report.seen, report.actions.join('\n')).toBe('stopping');
    expect(report.outcome).toBe('stopping');
    expect(report.actions.join('\n')).toMatch(/is stopping as asked .*left alone, nothing started/);
    expect(report.errors).toEqual([]);
    const exit = await daemon.waitForExit(60_000);
    expect(exit.code).toBe(0);
  }, 120_000);
});

describe('assessDaemon on a stop', () => {
  const info: DaemonInfo = { pid: process.pid, startedAt: 0, version: 'x', api: { host: '127.0.0.1', port: 1 }, heartbeatAt: 1_000, configPath: '', pidStartTime: null, stopping: { since: 1_000, boundMs: 60_000 } };
  const deps = { staleAfterMs: 15_000, isAlive: () => true, startTimeOf: () => null };
  it('is stopping within the bound, its heartbeat stale or not, and stop-hung past it', () => {
    expect(assessDaemon(info, { ...deps, now: 40_000 })).toBe('stopping');
    expect(assessDaemon(info, { ...deps, now: 62_000 })).toBe('stop-hung');
    expect(assessDaemon(info, { ...deps, now: 62_000, isAlive: () => false })).toBe('dead');
  });
});
