// What a service manager's stop does to the services: systemd (KillSignal=, default SIGTERM) and launchd (always SIGTERM)
// stop and restart the installed daemon by signal; the unit says services survive a daemon restart, so they must.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { isAlive, killTree, pidRef, spawnMarked, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { daemonArgv, systemdDaemonUnit, type ServiceFileInputs } from '../../src/platform/service-files.js';
import { planInstall } from '../../src/platform/installer.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe('the installed daemon stopped by its service manager', () => {
  it('exits on the stop signal and leaves the services running (systemctl restart / try-restart, launchctl kickstart -k)', async () => {
    const dir = tempDir('clawback-unit-stop-');
    const port = await freePort();
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'instance-server.mjs'), String(port)] }] })));
    const inputs: ServiceFileInputs = { nodePath: NODE, entryPath: CLI, configPath, stateDir: path.join(dir, 'state') };
    const stopSignal = (/^KillSignal=(\S+)$/m.exec(systemdDaemonUnit(inputs))?.[1] ?? 'SIGTERM') as NodeJS.Signals;
    const [cmd, ...args] = daemonArgv(inputs);
    const daemon = spawnMarked(cmd!, args);
    cleanup.push(() => daemon.kill());
    await daemon.waitForStdout('dashboard:', 30_000);
    const servicePid = await waitFor(async () => {
      const r = await runCli(['status', '--json', '--state-dir', inputs.stateDir]);
      const j = r.code === 0 ? (JSON.parse(r.stdout) as { services: Array<{ pid: number | null; health: string }> }) : undefined;
      return j?.services[0]?.health === 'healthy' ? (j.services[0].pid ?? undefined) : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    const serviceRef = pidRef(servicePid);
    cleanup.push(() => killTree(serviceRef));

    process.kill(daemon.pid, stopSignal);
    expect(await daemon.waitForExit(20_000), daemon.stderr()).toEqual({ code: 0, signal: null });
    expect(isAlive(servicePid), `${stopSignal} to the daemon stopped its service:\n${daemon.stdout()}`).toBe(true);
    expect(readFileSync(path.join(inputs.stateDir, 'state.json'), 'utf8')).toContain(String(servicePid));
    // `systemctl stop` is a stop on purpose: the guardian does not undo it.
    const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', inputs.stateDir]);
    expect(g.stdout).toMatch(/stopped on purpose/);
    // The manager's start (the second half of a restart) adopts the very same service.
    const next = spawnMarked(cmd!, args);
    cleanup.push(() => next.kill());
    await next.waitForStdout('dashboard:', 30_000);
    const st = JSON.parse((await runCli(['status', '--json', '--state-dir', inputs.stateDir])).stdout) as { services: Array<{ pid: number | null }> };
    expect(st.services[0]!.pid).toBe(servicePid);
    expect(existsSync(path.join(inputs.stateDir, 'daemon.stopped'))).toBe(false);
  }, 60_000);

  it("a reinstall after an upgrade leaves the services of a daemon started by an older unit (no --keep-services-on-sigterm) running", async () => {
    const dir = tempDir('clawback-unit-reinstall-');
    const port = await freePort();
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'instance-server.mjs'), String(port)] }] })));
    const inputs: ServiceFileInputs = { nodePath: NODE, entryPath: CLI, configPath, stateDir: path.join(dir, 'state') };
    // The ExecStart of a unit written before the flag existed: what systemd runs until the reinstall's restart.
    const [cmd, ...args] = daemonArgv(inputs).filter((a) => a !== '--keep-services-on-sigterm');
    const daemon = spawnMarked(cmd!, args);
    cleanup.push(() => daemon.kill());
    await daemon.waitForStdout('dashboard:', 30_000);
    const servicePid = await waitFor(async () => {
      const r = await runCli(['status', '--json', '--state-dir', inputs.stateDir]);
      const j = r.code === 0 ? (JSON.parse(r.stdout) as { services: Array<{ pid: number | null; health: string }> }) : undefined;
      return j?.services[0]?.health === 'healthy' ? (j.services[0].pid ?? undefined) : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    const serviceRef = pidRef(servicePid);
    cleanup.push(() => killTree(serviceRef));

    // The signal the reinstall's restart step sends the running daemon (try-restart: the unit's KillSignal, SIGTERM).
    const plan = planInstall({ platform: 'linux', hasSystemd: true, home: dir, nodePath: NODE, entryPath: CLI, configPath, stateDir: inputs.stateDir });
    const step = plan.commands.find((c) => c.onlyIfFilesChanged)!;
    const sent = /^--signal=(\S+)$/.exec(step.argv.find((a) => a.startsWith('--signal=')) ?? '')?.[1] ?? (/^KillSignal=(\S+)$/m.exec(systemdDaemonUnit(inputs))?.[1] ?? 'SIGTERM');
    process.kill(daemon.pid, sent as NodeJS.Signals);
    expect(await daemon.waitForExit(20_000), daemon.stderr()).toEqual({ code: 0, signal: null });
    expect(isAlive(servicePid), `${step.argv.join(' ')} (${sent}) stopped the service of a daemon run by an older unit:\n${daemon.stdout()}`).toBe(true);
    expect(step.allowFailure).toBe(true); // no daemon running: nothing to restart, enable --now starts it
  }, 60_000);
});
