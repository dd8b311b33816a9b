// `clawback install` after a stop on purpose (a Ctrl-C while trying the daemon): the cron guardian it installs must
// start the daemon, as it does in an unused state directory, instead of saying "stopped on purpose" every minute.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { isRunning, pidRef, signalProcess, waitFor } from '../helpers/processes.js';
import { hasSystemdRuntime } from '../../src/platform/installer.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

// Only the cron path: where systemd runs, install would enable real user units.
describe.skipIf(process.platform === 'darwin' || hasSystemdRuntime())('install (cron) after a stop on purpose', () => {
  it('removes daemon.stopped, says so, and the installed guardian line starts the daemon', async () => {
    const dir = tempDir('clawback-install-after-stop-');
    const home = path.join(dir, 'home');
    const bin = path.join(dir, 'bin');
    mkdirSync(home);
    mkdirSync(bin);
    const table = path.join(dir, 'crontab.txt');
    // A crontab of our own: `-l` prints it (or "no crontab"), `-` replaces it.
    writeFileSync(
      path.join(bin, 'crontab'),
      `#!/bin/sh\nF='${table}'\nif [ "$1" = "-l" ]; then [ -f "$F" ] && exec cat "$F"; echo "no crontab for test" >&2; exit 1; fi\nif [ "$1" = "-" ]; then cat > "$F"; exit 0; fi\nexit 2\n`,
    );
    chmodSync(path.join(bin, 'crontab'), 0o755);
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    // What a clean stop (Ctrl-C) leaves: the state of its run and the marker.
    writeFileSync(path.join(stateDir, 'state.json'), JSON.stringify({ version: 1, services: {} }));
    writeFileSync(path.join(stateDir, 'daemon.stopped'), new Date().toISOString() + '\n');

    const env = { HOME: home, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const install = await runCli(['install', '--config', configPath, '--state-dir', stateDir], { env });
    expect(install.code, install.stderr).toBe(0);
    expect(readFileSync(table, 'utf8')).toMatch(/ guardian --once /);
    expect(existsSync(path.join(stateDir, 'daemon.stopped')), install.stdout).toBe(false);
    expect(install.stdout).toMatch(/removed .*daemon\.stopped/);

    // The guardian's pass as the crontab line runs it.
    const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { env, timeoutMs: 40_000 });
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
