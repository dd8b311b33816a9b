// A stop on purpose (daemon.stopped) ends with the next start: a start that then fails (the API port taken at boot)
// must leave the guardian armed, or the daemon and its services stay down for good after a reboot.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { isRunning, killTree, pidRef, signalProcess, spawnMarked, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { daemonArgv, type ServiceFileInputs } from '../../src/platform/service-files.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('daemon.stopped and a failed start after it', () => {
  it('a start that fails after a stop on purpose (systemd at shutdown, then the port taken at boot) lets the guardian revive the daemon', async () => {
    const dir = tempDir('clawback-stopped-failed-start-');
    const apiPort = await freePort();
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: apiPort }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const inputs: ServiceFileInputs = { nodePath: NODE, entryPath: CLI, configPath, stateDir: path.join(dir, 'state') };
    const [cmd, ...args] = daemonArgv(inputs);
    const marker = path.join(inputs.stateDir, 'daemon.stopped');

    // The service manager stops the daemon (SIGTERM: `systemctl stop`, or the machine shutting down).
    const first = spawnMarked(cmd!, args);
    cleanup.push(() => first.kill());
    await first.waitForStdout('dashboard:', 30_000);
    first.signal('SIGTERM');
    expect(await first.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    expect(existsSync(marker)).toBe(true);
    // The machine goes down with it: its service is gone too.
    const left = (JSON.parse(readFileSync(path.join(inputs.stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { instance: { pid: number; pidStartTime: number | null } | null } }> }).services.sl?.record.instance;
    if (left) killTree(pidRef(left.pid, left.pidStartTime));

    // It starts the daemon again (at boot), which fails: its API port is taken for a while.
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(apiPort, '127.0.0.1', resolve));
    const second = spawnMarked(cmd!, args);
    cleanup.push(() => second.kill());
    expect((await second.waitForExit(20_000)).code).toBe(1);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    expect(existsSync(marker), 'a start after the stop still says "stopped on purpose"').toBe(false);

    // The guardian's next pass revives it instead of saying "stopped on purpose; nothing to do".
    const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', inputs.stateDir], { timeoutMs: 40_000 });
    expect(g.stdout).not.toMatch(/stopped on purpose/);
    const report = JSON.parse(g.stdout) as { outcome: string; after?: { pid: number } };
    const revived = report.after?.pid ? pidRef(report.after.pid) : undefined;
    if (revived) {
      cleanup.push(async () => {
        if (!signalProcess(revived, 'SIGINT')) return;
        await waitFor(() => !isRunning(revived) || undefined, { timeoutMs: 20_000, intervalMs: 100 }).catch(() => signalProcess(revived, 'SIGKILL'));
      });
    }
    expect(report.outcome).toBe('revived');
  }, 90_000);
});
