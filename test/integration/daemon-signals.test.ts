// SIGTERM while the daemon is still starting (services already spawned or adopted) must not kill it outright:
// it is deferred until start-up ends, then the services are stopped and the daemon exits 0.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { isRunning, killTree, pidFileRef, spawnMarked } from '../helpers/processes.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe('signals during start-up', () => {
  it('SIGTERM right after the service is spawned: the service is stopped and the daemon exits 0', async () => {
    const dir = tempDir('clawback-signal-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const stateDir = path.join(dir, 'state');
    const pidFile = path.join(dir, 'svc.pid');
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'write-pid-and-sleep.mjs'), pidFile] }] })));
    const daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    cleanup.push(() => daemon.kill());
    // The daemon opens the service's log file just before spawning it: signal at once (start() is still running).
    const logFile = path.join(stateDir, 'logs', 'svc.log');
    const deadline = Date.now() + 30_000;
    while (!existsSync(logFile) && Date.now() < deadline && !daemon.exitInfo()) await new Promise((r) => setTimeout(r, 1));
    expect(existsSync(logFile), 'the daemon spawned the service').toBe(true);
    daemon.signal('SIGTERM');
    const exit = await daemon.waitForExit(30_000);
    // The service may have been stopped before it wrote its pid file; if it wrote one, that pid must be gone.
    await new Promise((r) => setTimeout(r, 500));
    // As the service recorded itself (pid and start time): gone by now, its pid may be another process's.
    const svc = pidFileRef(pidFile);
    if (svc) cleanup.push(() => killTree(svc));
    expect(exit, `daemon output:\n${daemon.stdout()}\n${daemon.stderr()}`).toEqual({ code: 0, signal: null });
    if (svc) expect(isRunning(svc), 'the service must not be left running unsupervised').toBe(false);
  });
});
