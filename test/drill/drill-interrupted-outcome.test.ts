// A drill stopped by SIGTERM reported its cut trial with claims nothing measured: "the holder was KILLED" (its own port, given back by the undo step) and "not serving within 2m00s" of a wait cut after a second.
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import { CLI } from '../helpers/cli.js';
import { NODE } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { drillDaemonPerFile } from './drill-daemon.js';

/** True when something accepts on the port and drops the connection at once (the drill's port thief), not the gateway. */
function heldByThief(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', agent: false, timeout: 500 }, (res) => {
      res.resume();
      resolve(false);
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNRESET'));
    req.on('timeout', () => req.destroy());
  });
}

describe('an interrupted trial says what happened', () => {
  const d = drillDaemonPerFile('gateway');

  it('port-steal cut by SIGTERM: no "KILLED", no wait bound it never waited', async () => {
    const drill = spawnMarked(NODE, [CLI, 'drill', 'port-steal', '--json', '--yes', '--state-dir', d.stateDir]);
    try {
      await waitFor(() => heldByThief(d.port), { timeoutMs: 30_000, intervalMs: 20 });
      process.kill(drill.pid, 'SIGTERM');
      const exit = await drill.waitForExit(60_000);
      expect(exit.code, drill.stderr()).toBe(130);
      const report = JSON.parse(drill.stdout()) as { stoppedEarly: string | null; trials: Array<{ asExpected: boolean; outcome: string; interrupted: boolean }> };
      expect(report.stoppedEarly).not.toBeNull();
      const outcome = report.trials[0]!.outcome;
      expect(report.trials[0]!.asExpected).toBe(false);
      expect(outcome).toMatch(/^interrupted: held port /);
      expect(outcome).not.toContain('KILLED');
      expect(outcome).not.toContain('within 2m00s');
      // The trial says INTERRUPTED as the run does (it read "FAILED: interrupted: ..."), in the JSON and the progress line.
      expect(report.trials[0]!.interrupted).toBe(true);
      expect(drill.stderr()).toMatch(/^ {2}INTERRUPTED: held port /m);
      expect(drill.stderr()).not.toMatch(/FAILED: interrupted/);
      // The port is the gateway's again.
      await waitFor(async () => !(await heldByThief(d.port)), { timeoutMs: 30_000, intervalMs: 100 });
    } finally {
      drill.kill();
    }
  }, 120_000);
});
