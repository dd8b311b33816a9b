// A daemon holds daemon.lock from the moment its config is loaded but writes daemon.json only once its services are
// booted: a command in that window answered "not running" (exit 3). It now waits for the starting daemon, bounded;
// `status` says at once who holds the lock and since when.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

let daemon: MarkedChild | undefined;
afterEach(async () => {
  if (!daemon) return;
  daemon.signal('SIGCONT');
  daemon.child.kill('SIGTERM');
  await daemon.waitForExit(20_000).catch(() => daemon!.kill());
  daemon = undefined;
});

describe('a command while the daemon is starting', () => {
  it('waits for daemon.json (bounded) instead of saying "not running"', async () => {
    const dir = tempDir('clawback-starting-');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    const services = Array.from({ length: 12 }, (_, i) => ({ name: `s${i}`, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }));
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services })));
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    // Freeze it inside the start-up window: the lock taken, daemon.json not yet written (a synchronous watch, so the
    // window of a fraction of a second is not missed between two timer ticks).
    const lock = path.join(stateDir, 'daemon.lock');
    const info = path.join(stateDir, 'daemon.json');
    const deadline = Date.now() + 30_000;
    // The lock file is created empty, then its owner is written into it: frozen between the two, no command could
    // tell whose it is (a flake under load). Wait for its content.
    const owned = (): boolean => {
      try {
        return statSync(lock).size > 0;
      } catch {
        return false;
      }
    };
    while (!owned() && Date.now() < deadline && !daemon.exitInfo()) {
      // busy wait
    }
    daemon.signal('SIGSTOP');
    expect(existsSync(lock), daemon.stderr()).toBe(true);
    expect(existsSync(info), 'daemon.json written before the daemon was frozen').toBe(false);

    // `status` is a read: it names the lock's holder at once (pid, since when), not after the whole start wait.
    const s0 = performance.now();
    const status = await runCli(['status', '--state-dir', stateDir], { timeoutMs: 40_000 });
    const statusMs = performance.now() - s0;
    expect(status.code, status.stderr).toBe(3);
    expect(status.stderr).toContain(`the clawback daemon (pid ${daemon.pid}) is starting: it holds ${lock} since `);
    expect(status.stderr).toMatch(/\(\d+ s ago\)/);
    expect(status.stderr).not.toContain('not running');
    expect(statusMs, status.stderr).toBeLessThan(5_000);

    // Bounded: a daemon that stays in its start-up is said to be starting after the wait, exit 3, nothing sent.
    const t0 = performance.now();
    const stuck = await runCli(['resume', 's0', '--state-dir', stateDir], { timeoutMs: 40_000 });
    const stuckMs = performance.now() - t0;
    expect(stuck.code, stuck.stderr).toBe(3);
    expect(stuck.stderr).toContain(`the clawback daemon (pid ${daemon.pid}) is starting`);
    expect(stuck.stderr).not.toContain('not running');
    expect(stuckMs).toBeGreaterThanOrEqual(9_000);
    expect(stuckMs).toBeLessThan(30_000);

    // A daemon that finishes its start while the command waits gets the command: exit 0, not "not running".
    const pending = runCli(['resume', 's0', '--state-dir', stateDir], { timeoutMs: 40_000 });
    await new Promise((r) => setTimeout(r, 2_000)); // let the command reach the wait before the daemon goes on
    daemon.signal('SIGCONT');
    const r = await pending;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('resume s0');
  }, 90_000);
});
