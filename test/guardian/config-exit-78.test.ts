// A config the daemon cannot load: `clawback run` exited 2 (or 1), which the unit we install (Restart=always,
// RestartSec=2) restarted every 2 s up to its start limit, and the guardian then reset the start limit and restarted it
// again: ~10 fast restarts per guardian pass, forever, for a file only a person can fix. The daemon now exits 78
// (EX_CONFIG), the unit does not restart on it (RestartPreventExitStatus=78), and the guardian leaves a unit that exited 78
// down while the config still does not load, saying what to fix; once the file is fixed, the next pass starts it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { guardianOnce } from '../../src/daemon/guardian.js';
import { downReason } from '../../src/daemon/guardian-alert.js';
import { configProblem } from '../../src/cli/cmd-install.js';
import { DryRunRunner, realCommandRunner } from '../../src/platform/command-runner.js';
import { systemClock } from '../../src/platform/clock.js';
import { systemdDaemonUnit } from '../../src/platform/service-files.js';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices } from '../helpers/daemon.js';
import { isRunning, killTree, pidRef, signalProcess, waitFor, type PidRef } from '../helpers/processes.js';

let dir: string;
const pids: PidRef[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'clawback-exit-78-'));
});

afterEach(async () => {
  for (const ref of pids.splice(0)) {
    if (!signalProcess(ref, 'SIGINT')) continue; // the daemon stops its services and exits
    await waitFor(() => !isRunning(ref) || undefined, { timeoutMs: 20_000 }).catch(() => killTree(ref, 'SIGKILL'));
  }
  await rm(dir, { recursive: true, force: true });
});

describe('a config the daemon cannot load', () => {
  it('`clawback run` exits 78 (EX_CONFIG) naming the field, and the unit we install does not restart on 78', async () => {
    const config = path.join(dir, 'clawback.yaml');
    await writeFile(config, YAML.stringify({ services: [{ name: 'sl', command: 42 }] }));
    const r = await runCli(['run', '--config', config, '--state-dir', path.join(dir, 'state'), '--api-port', '0'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(78);
    expect(r.stderr).toMatch(/invalid config .*clawback\.yaml:\n {2}- service "sl": services\[0\]\.command/);
    expect(r.stdout).not.toMatch(/clawback running/);
    // An unreadable file is a config it cannot load too.
    const missing = await runCli(['run', '--config', path.join(dir, 'none.yaml'), '--state-dir', path.join(dir, 'state'), '--api-port', '0'], { timeoutMs: 30_000 });
    expect(missing.code, missing.stderr).toBe(78);

    const unit = systemdDaemonUnit({ nodePath: '/usr/bin/node', entryPath: '/opt/clawback/dist/cli/main.js', configPath: '/etc/clawback.yaml', stateDir: '/var/lib/clawback' });
    const service = unit.slice(unit.indexOf('[Service]'), unit.indexOf('\n[Install]'));
    expect(service).toMatch(/^Restart=always$/m);
    expect(service).toMatch(/^RestartPreventExitStatus=78$/m);
  }, 60_000);

  it('the guardian neither restarts nor resets a unit whose daemon exited 78 while the config is invalid; fixed, it starts it', async () => {
    const stateDir = path.join(dir, 'state');
    const config = path.join(dir, 'clawback.yaml');
    const good = markServices({ api: { port: 0 }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    await writeFile(config, YAML.stringify({ ...good, services: [{ name: 'sl', command: 42 }] }));
    // systemd's side, on PATH: `restart` runs the real daemon as the unit does and keeps its exit status for `show`.
    const bin = path.join(dir, 'bin');
    const unitDir = path.join(dir, 'systemd');
    await Promise.all([mkdir(bin, { recursive: true }), mkdir(unitDir, { recursive: true })]);
    await writeFile(path.join(unitDir, 'result'), 'success\n');
    await writeFile(path.join(unitDir, 'status'), '0\n');
    const run = [NODE, CLI, 'run', '--config', config, '--state-dir', stateDir].map((a) => JSON.stringify(a)).join(' ');
    const script = [
      '#!/bin/sh',
      `d=${JSON.stringify(unitDir)}`,
      'echo "$*" >> "$d/calls"',
      '[ "$1" = "--user" ] && shift',
      'case "$1" in',
      '  show) if [ "$2" = --property=ExecMainStatus ]; then cat "$d/status"; else cat "$d/result"; fi ;;',
      '  reset-failed) echo success > "$d/result" ;;',
      `  restart) ( CLAWBACK_TEST_CHILD=1 ${run} > "$d/out" 2>&1 & echo $! > "$d/daemon.pid"; wait $!; echo $? > "$d/status"; echo exit-code > "$d/result" ) > /dev/null 2>&1 & ;;`,
      '  *) exit 1 ;;',
      'esac',
      '',
    ].join('\n');
    await writeFile(path.join(bin, 'systemctl'), script);
    await chmod(path.join(bin, 'systemctl'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
    const deps = {
      stateDir,
      clock: systemClock(),
      runner: realCommandRunner(),
      serviceManager: 'systemd' as const,
      timeoutMs: 30_000,
      pollMs: 100,
      startDaemon: async () => {
        throw new Error('the guardian must not start the daemon outside systemd here');
      },
      configProblem: () => configProblem(config, stateDir),
    };
    const calls = async (): Promise<string[]> => (await readFile(path.join(unitDir, 'calls'), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
    try {
      // The unit's daemon started (as at boot) and exited 78 on the invalid config.
      await realCommandRunner().run(['systemctl', '--user', 'restart', 'clawback.service'], { timeoutMs: 10_000 });
      await waitFor(async () => (await readFile(path.join(unitDir, 'status'), 'utf8')).trim() === '78' || undefined, { timeoutMs: 30_000 });
      const before = (await calls()).length;

      const held = await guardianOnce(deps);
      expect((await calls()).slice(before)).toEqual(['--user show --property=ExecMainStatus --value clawback.service']);
      expect(held.outcome).toBe('daemon-down');
      expect(held.restartedVia).toBeUndefined();
      expect(held.startLimitReset).toBeUndefined();
      expect(held.configInvalid).toMatch(/services\[0\]\.command/);
      expect(held.actions.join('\n')).toMatch(/last exited with code 78 .*not restarted/);
      // What the person is told (the guardian's alert) names the exit and the field to fix.
      expect(downReason(held)).toMatch(/config does not load \(exit 78, EX_CONFIG\): fix its config.*services\[0\]\.command/s);
      expect(held.durationMs).toBeLessThan(10_000);

      // Fixed: the next pass restarts the unit and the daemon comes back.
      await writeFile(config, YAML.stringify(good));
      const revived = await guardianOnce(deps);
      if (existsSync(path.join(unitDir, 'daemon.pid'))) pids.push(pidRef(Number(readFileSync(path.join(unitDir, 'daemon.pid'), 'utf8'))));
      expect((await calls()).slice(before + 1)).toEqual(['--user restart clawback.service']);
      expect(revived.outcome, `${revived.actions.join('\n')}\n${revived.errors.join('\n')}`).toBe('revived');
      expect(revived.restartedVia).toBe('systemd');
    } finally {
      process.env.PATH = savedPath;
    }
  }, 120_000);

  it('a config the guardian cannot load is no reason to keep down a unit that did not exit 78 (the daemon may load it)', async () => {
    const stateDir = path.join(dir, 'state');
    const runner = new DryRunRunner((argv) => (argv[3] === '--property=ExecMainStatus' ? { stdout: '1\n' } : {}));
    const report = await guardianOnce({
      stateDir,
      clock: systemClock(),
      runner,
      serviceManager: 'systemd',
      timeoutMs: 2000,
      pollMs: 50,
      startDaemon: async () => undefined,
      configProblem: async () => 'invalid config: services[0].command: expected array',
    });
    expect(runner.calls.map((c) => c.argv[2])).toEqual(['show', 'restart']);
    expect(report.configInvalid).toBeUndefined();
    expect(report.restartedVia).toBe('systemd');
  }, 30_000);
});
