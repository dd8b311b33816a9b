// `clawback drill daemon-kill` while the installed guardian's own pass holds guardian.lock (its timer fired then): that
// pass revives the daemon, the service serves throughout, yet the drill failed ("guardian: locked", exit 1).
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { drillDaemonPerFile } from './drill-daemon.js';
import { GUARDIAN_LOCK_FILE } from '../../src/daemon/guardian.js';
import { GUARDIAN_PASS_FILE } from '../../src/daemon/guardian-pass.js';

interface DrillReport {
  trials: Array<{ scenario: string; asExpected: boolean; recovered: boolean; outcome: string; notes: string[] }>;
}

/** A `clawback guardian --once` process for this state dir is running (the drill runs its pass as a child). */
function guardianPassRunning(stateDir: string): boolean {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.includes('guardian') && argv.includes('--once') && argv.includes(stateDir)) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

describe('drill daemon-kill racing another guardian pass', () => {
  const d = drillDaemonPerFile('gateway');

  it('the other pass revives the daemon: the trial is as expected and says the lock was held', async () => {
    // Another guardian pass (a live process) holds the lock while the drill's own pass runs.
    const holder = spawnMarked(NODE, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      writeFileSync(path.join(d.stateDir, GUARDIAN_LOCK_FILE), JSON.stringify({ pid: holder.pid, startTime: null, acquiredAt: Date.now(), token: 'other-pass' }));
      const drill = runCli(['drill', 'daemon-kill', '--timeout', '40', '--json', '--yes', '--state-dir', d.stateDir], { timeoutMs: 120_000 });
      // The drill's own pass (a `guardian --once` child) finds the lock held and ends, leaving the pass record as it was
      // (a locked pass writes none): seen running, then gone. Only then does the holder's pass end and the next one run.
      await waitFor(() => guardianPassRunning(d.stateDir) || undefined, { timeoutMs: 60_000, intervalMs: 10, message: "the drill's guardian pass running" });
      await waitFor(() => !guardianPassRunning(d.stateDir) || undefined, { timeoutMs: 60_000, intervalMs: 20, message: "the drill's guardian pass over" });
      expect(existsSync(path.join(d.stateDir, GUARDIAN_PASS_FILE)) ? (JSON.parse(readFileSync(path.join(d.stateDir, GUARDIAN_PASS_FILE), 'utf8')) as { outcome: string }).outcome : 'none').not.toBe('locked');
      holder.kill();
      await holder.exited;
      rmSync(path.join(d.stateDir, GUARDIAN_LOCK_FILE), { force: true });
      const pass = await runCli(['guardian', '--once', '--json', '--state-dir', d.stateDir, '--config', d.config], { timeoutMs: 60_000 });
      expect((JSON.parse(pass.stdout) as { outcome: string }).outcome).toBe('revived');
      const r = await drill;
      const report = JSON.parse(r.stdout) as DrillReport;
      const trial = report.trials[0]!;
      expect(trial.outcome).toContain('guardian: locked (another guardian pass held the lock and revived the daemon)');
      expect(trial.outcome).toContain('0 failed');
      expect(trial).toMatchObject({ scenario: 'daemon-kill', recovered: true, asExpected: true, notes: [] });
      expect(r.code, r.stderr).toBe(0);
    } finally {
      holder.kill();
    }
  }, 180_000);
});
