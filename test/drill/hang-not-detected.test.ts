// A hang trial whose probes are too slow to judge the frozen service within the trial's bound said only "not replaced
// within 5.0 s": it must say it was not detected, which probe would have to judge it, how long it may need, and what to change.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { drilledStatus, drillDaemonPerFile } from './drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';

describe('clawback drill hang: a probe too slow for the bound', () => {
  // Health every 300 ms, 1000 failures before a verdict: about 300 s to judge a hang, far beyond --timeout 5.
  const d = drillDaemonPerFile('gateway', { healthFailureThreshold: 1000 });

  it('says "not detected within 5.0 s", names the probe, its worst case and what to change; no recovery time; service left as before', async () => {
    const before = await drilledStatus<{ pid: number; restarts: number }>(d.stateDir);
    const r = await runCli(['drill', 'hang', '--timeout', '5', '--state-dir', d.stateDir, '--yes', '--json'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as DrillReport;
    const t = report.trials[0]!;
    expect(t.recovered).toBe(false);
    expect(t.recoverMs).toBeNull();
    expect(t.outcome).toMatch(/not detected within 5\.0+ s/);
    expect(t.outcome).toContain('the health probe (every 300 ms, 1000 failure(s), 500 ms timeout) may need up to 300.5 s');
    expect(t.outcome).toMatch(/run with --timeout \d+ or more, or lower its interval or failureThreshold/);
    const after = await drilledStatus<{ pid: number; restarts: number; health: string }>(d.stateDir);
    expect(after.pid).toBe(before.pid);
    expect(after.restarts).toBe(before.restarts);
  }, 90_000);
});
