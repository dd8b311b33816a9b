// A person's `clawback run` after a stop on purpose: until its start() removes daemon.stopped, a guardian pass read the
// old marker and recorded `stopped` for a daemon that held daemon.lock and was starting (real daemon, real CLI).
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
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.signal('SIGCONT');
    c.signal('SIGINT');
    await c.waitForExit(20_000).catch(() => undefined);
    c.kill();
  }
});

function lockPid(file: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { pid?: number }).pid;
  } catch {
    return undefined;
  }
}

describe('guardian during a start after a stop on purpose', () => {
  it('a daemon holding daemon.lock taken after the marker is starting, not stopped; a marker newer than the lock still is a stop', async () => {
    const dir = tempDir('clawback-guardian-start-after-stop-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: await freePort() }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    // What a Ctrl-C of the last daemon left.
    writeFileSync(path.join(stateDir, 'daemon.stopped'), stoppedMarkerText(Date.now() - 1000, currentBootId()));
    const daemon = spawnMarked(NODE, [CLI, 'run', '--config', configPath, '--state-dir', stateDir]);
    children.push(daemon);
    // Held where a loaded machine holds it: the lock taken, the marker not removed yet.
    await waitFor(() => lockPid(path.join(stateDir, 'daemon.lock')) === daemon.pid || undefined, { timeoutMs: 20_000, intervalMs: 2 });
    process.kill(daemon.pid, 'SIGSTOP');
    expect(existsSync(path.join(stateDir, 'daemon.stopped')), 'the marker is still there').toBe(true);

    const g = await runCli(['guardian', '--once', '--json', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 40_000 });
    const report = JSON.parse(g.stdout) as { outcome: string; actions: string[] };
    expect(report.outcome, report.actions.join('\n')).toBe('starting');
    expect((JSON.parse(readFileSync(path.join(stateDir, 'guardian-pass.json'), 'utf8')) as { outcome: string }).outcome).toBe('starting');
    expect(existsSync(path.join(stateDir, 'logs', 'daemon.out.log')), 'the guardian started a second daemon').toBe(false);

    // The holder writing the marker after it took the lock is stopping: that is a stop.
    writeFileSync(path.join(stateDir, 'daemon.stopped'), stoppedMarkerText(Date.now(), currentBootId()));
    const g2 = await runCli(['guardian', '--once', '--json', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 40_000 });
    expect((JSON.parse(g2.stdout) as { outcome: string }).outcome).toBe('stopped');

    process.kill(daemon.pid, 'SIGCONT');
    await daemon.waitForStdout('dashboard:', 30_000);
  }, 90_000);
});

