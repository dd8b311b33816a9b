// A crash-storm longer than the restart intensity trips the breaker and serves again only after the drill's `resume`:
// that time is from the release (the drill played the human), not mixed into the storm's times from the fault, and
// chaos counts such a fault as one that needed a human.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { drillDaemonPerFile } from './drill-daemon.js';
import { neededHuman } from '../../src/drill/chaos-result.js';
import type { DrillReport } from '../../src/drill/drill-result.js';

describe('crash-storm that trips the breaker', () => {
  // restart intensity 4 in 1m (drill-daemon.ts): crash 5 of the storm trips the breaker.
  const d = drillDaemonPerFile('gateway');

  it('is timed from the release and marked so; chaos counts it as needing a human', async () => {
    const r = await runCli(['drill', 'crash-storm', '--storm', '5', '--timeout', '40', '--json', '--yes', '--state-dir', d.stateDir], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DrillReport;
    const trial = report.trials[0]!;
    expect(trial.outcome).toContain('the breaker tripped at crash 5');
    expect(trial.recovered).toBe(true);
    expect(trial.recoverFrom).toBe('release');
    expect(report.summaries[0]!.recoverFrom).toBe('release');
    expect(trial.notes.join('\n')).toMatch(/per-crash TTR of the 4 crash\(es\) recovered alone: /);
    expect(trial.notes.join('\n')).toMatch(/crash 5: serving .* after the release \(resume\)/);
    expect(neededHuman({ recovered: trial.recovered, recoverFrom: trial.recoverFrom, level: 2 })).toBe(true);
  }, 300_000);
});
