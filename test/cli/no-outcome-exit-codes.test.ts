// `doctor` and `drill` use 1 and 2 as outcomes ("all fixed" / "findings left", "a scenario failed" / "refused"): a run
// that reached none must not end with them. The top-level parser ended `clawback --bogus doctor` with commander's 1
// ("all fixed"), and a drill that crashed (here: its report could not be written) went through the CLI's catch-all
// and exited 1, "some trials did not behave as expected", for a drill whose every trial passed. Such a drill still
// prints what it measured: the write came first and threw, and the user lost the run with its report file.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startDrillDaemon } from '../drill/drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';

describe('exit codes of runs that reached no outcome', () => {
  it('a usage error is 64 for doctor and drill, also before the command; other commands keep their documented 1', async () => {
    for (const args of [['--bogus', 'doctor'], ['--bogus', 'drill', 'crash'], ['drill', 'crash', '--trials', 'abc'], ['drill']]) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(64);
      expect(r.stderr).toMatch(/error: /);
    }
    for (const args of [['--bogus', 'status'], ['status', '--bogus'], ['bogus']]) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
    }
    for (const args of [['--version'], ['doctor', '--help'], ['drill', '--help']]) {
      expect((await runCli(args)).code, args.join(' ')).toBe(0);
    }
  }, 60_000);

  it('a drill whose report cannot be written is 70, not 1 ("a scenario failed"), and still prints what it measured', async () => {
    const d = await startDrillDaemon('gateway');
    try {
      const aFile = path.join(d.dir, 'a-file');
      writeFileSync(aFile, '');
      const r = await runCli(['drill', 'crash', '--state-dir', d.stateDir, '--yes', '--json', '--report', path.join(aFile, 'drill.md')], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(70);
      expect(r.stderr).toMatch(/clawback: cannot mkdir .*a-file: .*\((EEXIST|ENOTDIR)\)/);
      // The run is not lost with its file: the measured result is printed, and the user told it was not saved.
      const printed = JSON.parse(r.stdout) as DrillReport;
      expect(printed.trials.map((t) => [t.scenario, t.recovered])).toEqual([['crash', true]]);
      expect(r.stderr).toContain(`the report was NOT saved (${path.join(aFile, 'drill.md')}`);
      expect(r.stderr).not.toMatch(/^report: /m);
      // The same drill with a writable report: its outcome, 0.
      const ok = await runCli(['drill', 'crash', '--state-dir', d.stateDir, '--yes', '--report', path.join(d.dir, 'drill.md')], { timeoutMs: 120_000 });
      expect(ok.code, ok.stderr).toBe(0);
    } finally {
      await d.stop();
    }
  }, 300_000);
});
