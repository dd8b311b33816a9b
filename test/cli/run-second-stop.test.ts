// A second Ctrl-C (or SIGTERM) while `clawback run` waits out the stop grace of a service that ignores SIGTERM did
// nothing: no word, and the daemon waited the whole grace. As under systemd, PM2 or docker, the second signal says what
// is still stopping and cuts the grace short through the service's reducer (SIGKILL of its group), then the daemon exits.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { isAlive, killTree, pidRef, spawnMarked, waitFor } from '../helpers/processes.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) {
    try {
      cleanup.pop()!();
    } catch {
      // keep cleaning
    }
  }
});

describe('clawback run: a second stop signal during the shutdown', () => {
  for (const second of ['SIGINT', 'SIGTERM'] as const) {
    it(`SIGINT then ${second}: names the service still stopping, kills its group, exits well before the grace`, async () => {
      const dir = tempDir('clawback-run-second-stop-');
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const config = path.join(dir, 'clawback.yaml');
      // A grace far past the test's bound: only the second signal can end the stop in time.
      writeFileSync(
        config,
        YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'stubborn', command: [NODE, path.join(FIXTURES, 'ignore-sigterm.mjs')], stop: { grace: '300s' } }] })),
      );
      const state = path.join(dir, 'state');
      const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', state]);
      cleanup.push(() => d.kill());
      const log = path.join(state, 'logs', 'stubborn.log');
      const pids = await waitFor(
        () => {
          if (d.exitInfo()) throw new Error(`daemon exited: ${d.stderr()}`);
          const line = existsSync(log) ? readFileSync(log, 'utf8').split('\n').find((l) => l.startsWith('{"pid"')) : undefined;
          return line && d.stdout().includes('clawback running') ? (JSON.parse(line) as { pid: number; grandchild: number }) : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100, message: 'the stubborn service started' },
      );
      cleanup.push(() => killTree(pidRef(pids.pid)));
      cleanup.push(() => killTree(pidRef(pids.grandchild)));
      process.kill(d.pid, 'SIGINT');
      await waitFor(() => (d.stdout().includes('stopping services and exiting') ? true : undefined), { timeoutMs: 10_000, message: 'the first stop said' });
      expect(isAlive(pids.pid), 'the service ignores SIGTERM: still running in its grace').toBe(true);
      process.kill(d.pid, second);
      // Generous, and far below the 300 s grace the old daemon waited out.
      const exit = await d.waitForExit(30_000);
      expect(exit, d.stdout() + d.stderr()).toEqual({ code: 0, signal: null });
      expect(d.stdout()).toContain(`stopping now: stubborn (pid ${pids.pid}, stop grace 300 s) still stopping`);
      // Nothing left running unsupervised: the leader and its grandchild (same group, also ignoring SIGTERM) are gone.
      await waitFor(() => (!isAlive(pids.pid) && !isAlive(pids.grandchild) ? true : undefined), { timeoutMs: 5_000, message: 'the service group ended' });
      const journal = readFileSync(path.join(state, 'journal.jsonl'), 'utf8');
      expect(journal).toContain('"signal":"SIGKILL"');
      expect(journal).toContain('daemon.stopped');
    }, 90_000);
  }

  it('SIGUSR2 then SIGINT: the services the first left running are not killed by the second', async () => {
    const dir = tempDir('clawback-run-second-stop-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'stubborn', command: [NODE, path.join(FIXTURES, 'ignore-sigterm.mjs')], stop: { grace: '300s' } }] })));
    const state = path.join(dir, 'state');
    const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', state]);
    cleanup.push(() => d.kill());
    const log = path.join(state, 'logs', 'stubborn.log');
    const pids = await waitFor(
      () => {
        if (d.exitInfo()) throw new Error(`daemon exited: ${d.stderr()}`);
        const line = existsSync(log) ? readFileSync(log, 'utf8').split('\n').find((l) => l.startsWith('{"pid"')) : undefined;
        return line && d.stdout().includes('clawback running') ? (JSON.parse(line) as { pid: number; grandchild: number }) : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'the stubborn service started' },
    );
    cleanup.push(() => killTree(pidRef(pids.pid)));
    cleanup.push(() => killTree(pidRef(pids.grandchild)));
    process.kill(d.pid, 'SIGUSR2');
    await waitFor(() => (d.stdout().includes('exiting, services keep running') || d.exitInfo() ? true : undefined), { timeoutMs: 10_000, message: 'the first stop said' });
    if (!d.exitInfo()) process.kill(d.pid, 'SIGINT');
    const exit = await d.waitForExit(30_000);
    expect(exit, d.stdout() + d.stderr()).toEqual({ code: 0, signal: null });
    expect(isAlive(pids.pid), 'left running for the next daemon').toBe(true);
  }, 90_000);
});
