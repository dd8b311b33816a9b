// One drill at a time per daemon: a second `clawback drill` (or chaos) while one runs is refused and touches nothing; a lock left by a killed drill does not block the next one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import { drillLockPath } from '../../src/drill/drill-lock.js';

/** The pid the lock file names, once it is written in full (undefined while missing or torn). */
function heldBy(lockFile: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(lockFile, 'utf8')) as { pid?: number }).pid;
  } catch {
    return undefined;
  }
}

describe('one drill at a time', () => {
  let d: DrillDaemon;
  beforeAll(async () => {
    d = await startDrillDaemon('gateway');
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('a second drill while one runs: exit 2 naming the first, no fault injected by it', async () => {
    const lockFile = drillLockPath(d.stateDir);
    // A hang trial holds the service frozen for seconds: long enough to try a second drill meanwhile.
    const first = spawnMarked(NODE, [CLI, 'drill', 'hang', '--trials', '3', '--timeout', '40', '--yes', '--state-dir', d.stateDir]);
    try {
      await waitFor(() => heldBy(lockFile) === first.pid, { timeoutMs: 30_000, intervalMs: 50 });
      // Both tried at once, so that neither comes after the first drill's end on a loaded machine.
      const [second, chaos] = await Promise.all([
        runCli(['drill', 'crash', '--yes', '--timeout', '10', '--state-dir', d.stateDir]),
        runCli(['drill', 'chaos', '--duration', '2s', '--yes', '--state-dir', d.stateDir]),
      ]);
      expect(second.code, second.stderr).toBe(2);
      expect(second.stderr).toContain(`another drill is running against ${d.stateDir} (pid ${first.pid}`);
      expect(second.stderr).not.toContain('crash #1');
      expect(chaos.code, chaos.stderr).toBe(2);
      expect(chaos.stderr).toContain('another drill is running');
      // The first drill was not disturbed: all its hang trials are its own and recovered.
      const exit = await first.waitForExit(120_000);
      expect(exit.code, first.stderr()).toBe(0);
      expect(first.stderr().match(/ ok: SIGSTOP pid/g)?.length).toBe(3);
      expect(existsSync(lockFile)).toBe(false);
    } finally {
      first.kill();
    }
  }, 150_000);

  it('a lock left by a SIGKILLed drill does not block the next drill', async () => {
    const lockFile = drillLockPath(d.stateDir);
    const killed = spawnMarked(NODE, [CLI, 'drill', 'hang', '--timeout', '40', '--yes', '--state-dir', d.stateDir]);
    // Killed once its lock names it: killed between the lock's creation and its write, the lock is a torn one, which
    // the next drill rightly treats as "being written" until it has stayed unreadable for the stale time.
    await waitFor(() => heldBy(lockFile) === killed.pid, { timeoutMs: 30_000, intervalMs: 50 });
    process.kill(killed.pid, 'SIGKILL');
    await killed.waitForExit(10_000);
    expect(existsSync(lockFile)).toBe(true);
    // The frozen instance is judged hung and replaced by the daemon; then a new drill runs.
    const r = await runCli(['drill', 'crash', '--yes', '--timeout', '40', '--state-dir', d.stateDir], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  }, 150_000);
});
