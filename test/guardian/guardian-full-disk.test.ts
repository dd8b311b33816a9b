// The guardian on a full disk (real tmpfs, real daemons): a daemon that died there is revived, though the guardian
// cannot write its lock and the revived daemon's output file (logs/daemon.out.log) refuses every line.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { isAlive, killTree, pidRef, processesWithArgs, spawnMarked, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('2m');
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function daemonInfo(stateDir: string): { pid: number; heartbeatAt: number } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { pid: number; heartbeatAt: number };
  } catch {
    return undefined;
  }
}

describe('guardian --once on a full disk', () => {
  it('revives a killed daemon whose state directory is on a full disk; the service is adopted, never restarted', async () => {
    const dir = tempDir('clawback-guardian-full-');
    const port = await freePort();
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(
      config,
      YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'instance-server.mjs'), String(port)], probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/`, interval: '500ms', timeout: '500ms' }] }] })),
    );
    const stateDir = path.join(disk.dir, 'state');
    const d1 = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    cleanup.push(() => d1.kill());
    await d1.waitForStdout('dashboard:', 30_000);
    const servicePid = await waitFor(async () => {
      const r = await runCli(['status', '--json', '--state-dir', stateDir]);
      const j = r.code === 0 ? (JSON.parse(r.stdout) as { services: Array<{ pid: number | null; health: string }> }) : undefined;
      return j?.services[0]?.health === 'healthy' ? (j.services[0].pid ?? undefined) : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    const serviceRef = pidRef(servicePid);
    cleanup.push(() => killTree(serviceRef));
    const before = daemonInfo(stateDir)!.pid;

    disk.fill(0);
    d1.kill();
    await d1.waitForExit(5000);
    const r = await runCli(['guardian', '--once', '--config', config, '--state-dir', stateDir], { timeoutMs: 60_000 });
    const after = daemonInfo(stateDir)?.pid;
    if (after && after !== before) {
      const afterRef = pidRef(after);
      cleanup.push(() => killTree(afterRef));
    }
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { outcome: string; errors: string[]; refusedWrites?: string[] };
    // Each refused write word for word: in errors, or in refusedWrites where errors says the full disk once.
    expect([...report.errors, ...(report.refusedWrites ?? [])].join('\n')).toMatch(/guardian\.lock could not be written \(.*ENOSPC.*\): this pass runs without it/);
    expect(report.outcome).toBe('revived');
    expect(after).not.toBe(before);
    // The revived daemon lives on the full disk (its output refused) and keeps the same service instance.
    const beat = daemonInfo(stateDir)!.heartbeatAt;
    await waitFor(() => (daemonInfo(stateDir)?.heartbeatAt ?? 0) > beat || undefined, { timeoutMs: 15_000 });
    expect(isAlive(after!)).toBe(true);
    expect(isAlive(servicePid)).toBe(true);
    const status = await runCli(['status', '--json', '--state-dir', stateDir]);
    expect((JSON.parse(status.stdout) as { services: Array<{ pid: number | null }> }).services[0]!.pid).toBe(servicePid);
  }, 120_000);

  it('a daemon that cannot write daemon.json (full disk, none left by the last one) is seen alive: no second daemon', async () => {
    const dir = tempDir('clawback-guardian-full-');
    const port = await freePort();
    const config = path.join(dir, 'clawback.yaml');
    // api.port 0: nothing but the state directory tells a second daemon from the first.
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'instance-server.mjs'), String(port)] }] })));
    disk.free();
    const stateDir = path.join(disk.dir, 'state-missing');
    // A state directory used before (token, state.json), whose daemon exited cleanly: daemon.json is gone.
    const d0 = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    cleanup.push(() => d0.kill());
    await d0.waitForStdout('dashboard:', 30_000);
    process.kill(d0.pid, 'SIGTERM');
    await d0.waitForExit(15_000);
    rmSync(path.join(stateDir, 'daemon.stopped'), { force: true });

    disk.fill(0);
    const d1 = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    cleanup.push(() => d1.kill());
    await d1.waitForStdout('dashboard:', 30_000);
    const daemonsHere = (): number[] => {
      const out: number[] = [];
      for (const e of readdirSync('/proc')) {
        if (!/^\d+$/.test(e)) continue;
        let cmd = '';
        try {
          cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
        } catch {
          continue;
        }
        const argv = cmd.split('\0');
        if (argv.includes('run') && argv.includes(stateDir)) out.push(Number(e));
      }
      // A child the daemon is spawning shows the daemon's cmdline until its exec (seen once in CI: the service caught
      // between fork and exec was counted as a second daemon): a match whose parent matched too is that child.
      const ppidOf = (pid: number): number => {
        try {
          return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
        } catch {
          return 0;
        }
      };
      return out.filter((pid) => !out.includes(ppidOf(pid)));
    };
    // The daemon is stopped as a person would (its stop stops the service); a SIGKILL of its group alone left the
    // service, in a session of its own, running past the test (seen in CI: a leaked instance-server.mjs).
    cleanup.push(async () => {
      for (const p of daemonsHere()) process.kill(p, 'SIGTERM');
      await waitFor(() => daemonsHere().length === 0 || undefined, { timeoutMs: 20_000 }).catch(() => undefined);
      daemonsHere().forEach((p) => killTree(pidRef(p)));
      processesWithArgs('instance-server.mjs', String(port)).forEach((p) => killTree(pidRef(p)));
    });
    expect(daemonInfo(stateDir), 'the disk is full: no daemon.json').toBeUndefined();

    for (let pass = 0; pass < 2; pass++) {
      const r = await runCli(['guardian', '--once', '--config', config, '--state-dir', stateDir], { timeoutMs: 60_000 });
      const report = JSON.parse(r.stdout) as { outcome: string; seen: string; actions: string[] };
      expect(report.outcome, report.actions.join('\n')).toBe('ok');
      expect(report.seen).toBe('running');
      expect(daemonsHere()).toEqual([d1.pid]);
    }
    // A second daemon started by hand is refused too.
    const second = await runCli(['run', '--config', config, '--state-dir', stateDir], { timeoutMs: 30_000 });
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`already running .*pid ${d1.pid}`));
    expect(daemonsHere()).toEqual([d1.pid]);
  }, 120_000);
});
