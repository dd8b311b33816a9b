// A drill whose every chosen scenario is not applicable to the service injected nothing, yet said PASSED (exit 0).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { drilledStatus, startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';

describe('clawback drill: nothing applicable', () => {
  let d: DrillDaemon;
  beforeAll(async () => {
    // The demo gateway with no dependency.url, no dataDir and no lockFiles: dependency-down, disk-full and stale-lock do not apply.
    d = await startDrillDaemon('gateway');
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  });

  it('a drill that tested nothing is not PASSED (exit 2, the reasons in the report); chaos of such kinds is refused', async () => {
    const before = await drilledStatus<{ pid: number; restarts: number }>(d.stateDir);
    const r = await runCli(['drill', 'disk-full,stale-lock', '--state-dir', d.stateDir, '--yes', '--json'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    const report = JSON.parse(r.stdout) as DrillReport;
    expect(report.passed).toBe(false);
    expect(report.trials.map((t) => t.skipped !== null)).toEqual([true, true]);
    const text = await runCli(['drill', 'disk-full', '--state-dir', d.stateDir, '--yes'], { timeoutMs: 30_000 });
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toContain('NOTHING DRILLED');
    expect(text.stdout).not.toContain('PASSED');
    const chaos = await runCli(['drill', 'chaos', '--duration', '10s', '--mean-interval', '1s', '--scenarios', 'dependency-down', '--state-dir', d.stateDir, '--yes'], { timeoutMs: 30_000 });
    expect(chaos.code, chaos.stderr).toBe(2);
    expect(chaos.stderr).toContain('no chosen scenario applies to it, nothing would be tested (dependency-down: ');
    // Nothing touched.
    const after = await drilledStatus<{ pid: number; restarts: number }>(d.stateDir);
    expect(after.pid).toBe(before.pid);
    expect(after.restarts).toBe(before.restarts);
  }, 90_000);
});
