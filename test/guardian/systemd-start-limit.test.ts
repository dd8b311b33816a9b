// The daemon's unit after systemd's start limit (StartLimitBurst crashes in StartLimitIntervalSec): failed with
// start-limit-hit, and systemd refuses every start of it, `restart` included, until `systemctl reset-failed`. The
// guardian then started a daemon outside systemd (no Restart=, untouched by `systemctl stop`) every time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { guardianOnce, type GuardianDeps } from '../../src/daemon/guardian.js';
import { DryRunRunner, realCommandRunner } from '../../src/platform/command-runner.js';
import { systemClock } from '../../src/platform/clock.js';
import { systemdDaemonUnit } from '../../src/platform/service-files.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { killTree, pidRef, spawnMarked, type MarkedChild, type PidRef } from '../helpers/processes.js';

const FAKE_DAEMON = fileURLToPath(new URL('./fake-daemon.mjs', import.meta.url));
const REFUSED = 'Job for clawback.service failed because start of the service was attempted too often.';

let dir: string;
let stateDir: string;
let children: MarkedChild[];
const pids: PidRef[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'clawback-start-limit-'));
  stateDir = path.join(dir, 'state');
  children = [];
});

afterEach(async () => {
  for (const c of children) c.kill();
  await Promise.all(children.map((c) => c.waitForExit(5000).catch(() => undefined)));
  for (const ref of pids.splice(0)) killTree(ref, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

function deps(runner: GuardianDeps['runner'], started: string[], events: ClawbackEvent[]): GuardianDeps {
  return {
    stateDir,
    clock: systemClock(),
    staleAfterMs: 1500,
    staleRecheckMs: 500,
    runner,
    serviceManager: 'systemd',
    timeoutMs: 15_000,
    pollMs: 50,
    startDaemon: async () => {
      started.push('direct');
      children.push(spawnMarked(process.execPath, [FAKE_DAEMON, stateDir]));
    },
    emit: (e) => events.push(e),
  };
}

/** systemd's side, in memory: the unit's Result, and a `restart` that starts the fake daemon unless start-limit-hit. */
function systemdRunner(initial: string, opts: { resetFails?: boolean } = {}): DryRunRunner {
  let result = initial;
  return new DryRunRunner((argv) => {
    const verb = argv[2];
    if (verb === 'show') return { stdout: `${result}\n` };
    if (verb === 'reset-failed') {
      if (opts.resetFails) return { code: 1, stderr: 'Failed to reset failed state: Access denied' };
      result = 'success';
      return {};
    }
    if (verb === 'restart') {
      if (result === 'start-limit-hit') return { code: 1, stderr: REFUSED };
      children.push(spawnMarked(process.execPath, [FAKE_DAEMON, stateDir]));
      return {};
    }
    return { code: 1, stderr: `unexpected ${argv.join(' ')}` };
  });
}

describe('the guardian and a unit that hit systemd\'s start limit', () => {
  it('the unit we install has a start limit (so start-limit-hit can happen) and restarts always', () => {
    const unit = systemdDaemonUnit({ nodePath: '/usr/bin/node', entryPath: '/opt/clawback/dist/cli/main.js', configPath: '/etc/clawback.yaml', stateDir: '/var/lib/clawback' });
    const unitSection = unit.slice(unit.indexOf('[Unit]'), unit.indexOf('\n[Service]'));
    expect(unitSection).toMatch(/^StartLimitBurst=\d+$/m);
    expect(unitSection).toMatch(/^StartLimitIntervalSec=\d+$/m);
    expect(unit).toMatch(/^Restart=always$/m);
  });

  it('resets the failed unit once and starts it through systemd, not outside it, and says so', async () => {
    const runner = systemdRunner('start-limit-hit');
    const started: string[] = [];
    const events: ClawbackEvent[] = [];
    const report = await guardianOnce(deps(runner, started, events));
    expect(runner.calls.map((c) => c.argv)).toEqual([
      ['systemctl', '--user', 'restart', 'clawback.service'],
      ['systemctl', '--user', 'show', '--property=Result', '--value', 'clawback.service'],
      ['systemctl', '--user', 'reset-failed', 'clawback.service'],
      ['systemctl', '--user', 'restart', 'clawback.service'],
    ]);
    expect(started).toEqual([]);
    expect(report.outcome).toBe('revived');
    expect(report.restartedVia).toBe('systemd');
    expect(report.startLimitReset).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.actions.join('\n')).toMatch(/start-limit-hit.*reset-failed clawback\.service/);
    const revived = events.find((e) => e.type === 'guardian.revived');
    expect(revived?.message).toMatch(/start limit.*reset-failed clawback\.service/);
    expect(revived?.details).toMatchObject({ startLimitReset: true, via: 'systemd' });
  });

  it('resets nothing when the unit failed for another reason, and resets at most once when systemd still refuses', async () => {
    const other = new DryRunRunner((argv) => (argv[2] === 'restart' ? { code: 1, stderr: 'Failed to connect to bus' } : { stdout: 'exit-code\n' }));
    const first = await guardianOnce(deps(other, [], []));
    expect(other.calls.map((c) => c.argv[2])).toEqual(['restart', 'show']);
    expect(first.startLimitReset).toBeUndefined();
    expect(first.restartedVia).toBe('direct');
    for (const c of children.splice(0)) {
      c.kill();
      await c.waitForExit(5000).catch(() => undefined);
    }
    await rm(path.join(stateDir, 'daemon.json'), { force: true });

    const refusing = systemdRunner('start-limit-hit', { resetFails: true });
    const started: string[] = [];
    const report = await guardianOnce(deps(refusing, started, []));
    const resets = refusing.calls.filter((c) => c.argv[2] === 'reset-failed');
    expect(resets).toHaveLength(1);
    expect(report.startLimitReset).toBeUndefined();
    expect(report.errors.join('\n')).toMatch(/reset-failed clawback\.service: exit 1: Failed to reset failed state/);
    expect(started).toEqual(['direct']);
  });

  it('with a real `systemctl` (a fake one on PATH): the failed unit is reset and started again', async () => {
    const bin = path.join(dir, 'bin');
    const unitDir = path.join(dir, 'systemd');
    await Promise.all([mkdir(bin, { recursive: true }), mkdir(unitDir, { recursive: true })]);
    await writeFile(path.join(unitDir, 'result'), 'start-limit-hit\n');
    const script = [
      '#!/bin/sh',
      `d=${JSON.stringify(unitDir)}`,
      'echo "$*" >> "$d/calls"',
      '[ "$1" = "--user" ] && shift',
      'case "$1" in',
      '  show) cat "$d/result" ;;',
      '  reset-failed) echo success > "$d/result" ;;',
      '  restart)',
      '    if [ "$(cat "$d/result")" = start-limit-hit ]; then',
      `      echo ${JSON.stringify(REFUSED)} >&2; exit 1`,
      '    fi',
      `    ${JSON.stringify(process.execPath)} ${JSON.stringify(FAKE_DAEMON)} ${JSON.stringify(stateDir)} > /dev/null 2>&1 &`,
      '    echo $! > "$d/daemon.pid" ;;',
      '  *) exit 1 ;;',
      'esac',
      '',
    ].join('\n');
    await writeFile(path.join(bin, 'systemctl'), script);
    await chmod(path.join(bin, 'systemctl'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
    const started: string[] = [];
    try {
      const report = await guardianOnce(deps(realCommandRunner(), started, []));
      if (existsSync(path.join(unitDir, 'daemon.pid'))) pids.push(pidRef(Number(readFileSync(path.join(unitDir, 'daemon.pid'), 'utf8'))));
      expect((await readFile(path.join(unitDir, 'calls'), 'utf8')).trim().split('\n')).toEqual([
        '--user restart clawback.service',
        '--user show --property=Result --value clawback.service',
        '--user reset-failed clawback.service',
        '--user restart clawback.service',
      ]);
      expect(started).toEqual([]);
      expect(report.restartedVia).toBe('systemd');
      expect(report.outcome).toBe('revived');
      expect(report.after?.pid).toBe(pids[0]?.pid);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
