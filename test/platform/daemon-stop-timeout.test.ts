// The installed daemon's stop timeout (systemd TimeoutStopSec=, launchd ExitTimeOut) against the time its own SIGTERM
// shutdown really takes when a service is mid-stop: a fixed 20 s SIGKILLed a daemon waiting out a 22 s stop grace.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { killTree, pidRef, spawnMarked, waitFor } from '../helpers/processes.js';
import { daemonArgv, type ServiceFileInputs } from '../../src/platform/service-files.js';
import { planInstall } from '../../src/platform/installer.js';
import { loadConfig } from '../../src/config/load.js';
import { daemonStopTimeoutSec } from '../../src/platform/daemon-stop-timeout.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

type Status = { services: Array<{ pid: number | null; phase?: string; state?: string }> };

describe('the stop timeout of the installed daemon', () => {
  it('is at least as long as the daemon takes to exit on SIGTERM while a service waits out its stop grace', async () => {
    const dir = tempDir('clawback-stop-timeout-');
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'deaf', command: [NODE, path.join(FIXTURES, 'ignore-sigterm.mjs')], stop: { grace: '22s' } }] })));
    const stateDir = path.join(dir, 'state');
    const inputs: ServiceFileInputs = { nodePath: NODE, entryPath: CLI, configPath, stateDir };
    const [cmd, ...args] = daemonArgv(inputs);
    const daemon = spawnMarked(cmd!, args);
    cleanup.push(() => daemon.kill());
    await daemon.waitForStdout('dashboard:', 30_000);
    const status = async (): Promise<Status | undefined> => {
      const r = await runCli(['status', '--json', '--state-dir', stateDir]);
      return r.code === 0 ? (JSON.parse(r.stdout) as Status) : undefined;
    };
    const pid = await waitFor(async () => (await status())?.services[0]?.pid ?? undefined, { timeoutMs: 20_000, intervalMs: 200 });
    const ref = pidRef(pid);
    cleanup.push(() => killTree(ref));

    // A person's restart: the daemon sends SIGTERM, which the service ignores, and waits its 22 s grace before SIGKILL.
    void runCli(['restart', 'deaf', '--state-dir', stateDir], { timeoutMs: 5_000 }).catch(() => undefined);
    await waitFor(async () => JSON.stringify((await status())?.services[0] ?? {}).includes('stopping') || undefined, { timeoutMs: 10_000, intervalMs: 100 });
    const sentAt = Date.now();
    process.kill(daemon.pid, 'SIGTERM');
    expect(await daemon.waitForExit(60_000), daemon.stderr()).toEqual({ code: 0, signal: null });
    const tookSec = (Date.now() - sentAt) / 1000;

    // What `clawback install` writes for this config, on systemd and on macOS.
    const { config } = loadConfig({ file: configPath, stateDir });
    const base = { home: dir, nodePath: NODE, entryPath: CLI, configPath, stateDir, daemonStopTimeoutSec: daemonStopTimeoutSec(config.services) };
    const unit = planInstall({ ...base, platform: 'linux', hasSystemd: true }).files.find((f) => f.path.endsWith('/clawback.service'))!.content;
    const timeoutStopSec = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    expect(timeoutStopSec, `systemd would SIGKILL the daemon ${timeoutStopSec} s into a shutdown that took ${tookSec.toFixed(1)} s`).toBeGreaterThan(tookSec);
    const plist = planInstall({ ...base, platform: 'darwin', hasSystemd: false, uid: 501 }).files.find((f) => f.path.endsWith('ai.clawback.daemon.plist'))!.content;
    const exitTimeOut = Number(/<key>ExitTimeOut<\/key>\s*<integer>(\d+)<\/integer>/.exec(plist)?.[1] ?? 20);
    expect(exitTimeOut, `launchd would SIGKILL the daemon ${exitTimeOut} s into a shutdown that took ${tookSec.toFixed(1)} s`).toBeGreaterThan(tookSec);
  }, 90_000);
});
