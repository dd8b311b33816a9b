// A guardian pass that hangs while it holds guardian.lock (stopped with SIGSTOP, or stuck on a filesystem) must not
// disable the guardian for ever: under cron or launchd nothing ends it, and every later pass said "locked", so the daemon
// was never revived again. Past the hung-pass bound, the next pass SIGKILLs that very pass and takes the lock.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { guardianOnce, guardianPassHung, type GuardianDeps } from '../../src/daemon/guardian.js';
import { DryRunRunner } from '../../src/platform/command-runner.js';
import { systemClock } from '../../src/platform/clock.js';
import { isAlive } from '../../src/platform/proc.js';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { killTree, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

let holder: net.Server | undefined;
const children: MarkedChild[] = [];
let stateDir: string | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) {
    killTree(c.ref, 'SIGCONT');
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
  // Whatever the stuck pass may have started before it was stopped.
  try {
    const state = JSON.parse(readFileSync(path.join(stateDir!, 'state.json'), 'utf8')) as { services: Record<string, { record: { instance: { pid: number } | null } }> };
    for (const s of Object.values(state.services)) if (s.record.instance) process.kill(-s.record.instance.pid, 'SIGKILL');
  } catch {
    // none started
  }
  await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  holder = undefined;
});

describe('a hung guardian pass holding guardian.lock', () => {
  it('is SIGKILLed past the bound and the next pass runs, instead of "locked" for ever', async () => {
    const dir = tempDir('clawback-hung-pass-');
    stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    // The daemon cannot start (its API port held), so the real pass below is a long one, and starts no daemon that stays.
    const port = await freePort();
    holder = net.createServer();
    await new Promise<void>((resolve) => holder!.listen(port, '127.0.0.1', resolve));
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const lockFile = path.join(stateDir, 'guardian.lock');
    const stuck = spawnMarked(NODE, [CLI, 'guardian', '--once', '--config', configPath, '--state-dir', stateDir]);
    children.push(stuck);
    // The lock is created, then its owner written: stopped in between, it holds nothing to read yet.
    const lockPid = (): number | undefined => {
      try {
        return (JSON.parse(readFileSync(lockFile, 'utf8')) as { pid?: number }).pid;
      } catch {
        return undefined;
      }
    };
    await waitFor(() => lockPid(), { timeoutMs: 20_000, intervalMs: 5 });
    process.kill(stuck.pid, 'SIGSTOP');
    expect(lockPid()).toBe(stuck.pid);

    const deps = (hungPassMs: number): GuardianDeps => ({
      stateDir: stateDir!,
      clock: systemClock(),
      runner: new DryRunRunner(),
      serviceManager: 'none',
      explicitConfig: true,
      timeoutMs: 2000,
      pollMs: 50,
      startDaemon: async () => undefined,
      hungPassMs,
    });
    // Within the bound: a slow pass is left alone, as before.
    const early = await guardianOnce(deps(60_000));
    expect(early.outcome).toBe('locked');
    expect(isAlive(stuck.pid)).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, 600));
    const late = await guardianOnce(deps(500));
    expect(late.outcome, late.actions.join('\n')).not.toBe('locked');
    expect(late.actions.join('\n')).toMatch(new RegExp(`guardian pass pid ${stuck.pid} has held guardian.lock .*SIGKILL, lock taken over`));
    await waitFor(() => !isAlive(stuck.pid) || undefined, { timeoutMs: 5000 });
    // The lock was released by the pass that took it over.
    expect(existsSync(lockFile)).toBe(false);
  }, 60_000);

  it('judges by both clocks: a wall clock stepped forward alone does not make a pass hung', () => {
    expect(guardianPassHung(null, 10_000, undefined, 1000)).toBe(false);
    expect(guardianPassHung({ acquiredAt: 0 }, 10_000, undefined, 1000)).toBe(true);
    expect(guardianPassHung({ acquiredAt: 0 }, 10_000, 200, 1000)).toBe(false);
    expect(guardianPassHung({ acquiredAt: 9500 }, 10_000, 5000, 1000)).toBe(false);
  });
});
