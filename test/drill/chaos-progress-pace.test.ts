// `drill chaos` with stderr not a terminal (a log, CI) printed its live line every 30 s: one line ("0:01 / 0:20") in a
// 20 s run. The pace follows the planned duration (a tenth of it, 1-30 s).
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { progressPaceMs } from '../../src/drill/chaos-report.js';
import { drillDaemonPerFile } from './drill-daemon.js';

describe('drill chaos progress when stderr is a pipe', () => {
  const d = drillDaemonPerFile('gateway');

  it('prints the live line more than once in a short run', async () => {
    const r = await runCli(['drill', 'chaos', '--duration', '6s', '--mean-interval', '1h', '--seed', '1', '--scenarios', 'crash', '--yes', '--report', `${d.dir}/chaos.md`, '--state-dir', d.stateDir], { timeoutMs: 90_000 });
    const lines = r.stderr.split('\n').filter((l) => /^chaos \d+:\d\d \/ 0:06/.test(l));
    expect(lines.length, r.stderr).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('keeps long runs at one line every 30 s', () => {
    expect(progressPaceMs(20_000)).toBe(2000);
    expect(progressPaceMs(3_600_000)).toBe(30_000);
    expect(progressPaceMs(2000)).toBe(1000);
  });
});
