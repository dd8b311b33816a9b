// A hang trial (the service SIGSTOPped) cut by SIGINT before the probes judged it: the undo step thawed the process, but
// nothing the drill printed or wrote said so: the report's trial read only "interrupted: SIGSTOP pid N: not replaced
// before the drill was interrupted", and a person could not tell whether the service was left frozen. What the
// interruption put back is named in the trial's notes (JSON, Markdown) and on stderr.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { NODE } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { drillDaemonPerFile, drilledStatus } from './drill-daemon.js';

/** The process state letter from /proc (T: stopped). */
function procState(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]!;
}

describe('a hang trial cut by SIGINT', () => {
  // 30 failures of a 300 ms probe: the hang is judged after about 9 s, so the drill is cut while the service is frozen.
  const d = drillDaemonPerFile('gateway', { healthFailureThreshold: 30 });

  it('thaws the service and says so in the trial notes', async () => {
    const { pid } = await drilledStatus<{ pid: number }>(d.stateDir);
    const md = path.join(d.dir, 'hang.md');
    const drill = spawnMarked(NODE, [CLI, 'drill', 'hang', '--json', '--yes', '--timeout', '60', '--report', md, '--state-dir', d.stateDir]);
    try {
      await waitFor(() => procState(pid) === 'T', { timeoutMs: 30_000, intervalMs: 20 });
      process.kill(drill.pid, 'SIGINT');
      const exit = await drill.waitForExit(60_000);
      expect(exit.code, drill.stderr()).toBe(130);
      expect(procState(pid)).not.toBe('T');
      const report = JSON.parse(drill.stdout()) as { trials: Array<{ interrupted: boolean; notes: string[] }> };
      const trial = report.trials[0]!;
      expect(trial.interrupted).toBe(true);
      expect(trial.notes).toContain(`put back at the interruption: SIGCONT pid ${pid}`);
      expect(drill.stderr()).toContain(`put back at the interruption: SIGCONT pid ${pid}`);
      expect(readFileSync(md, 'utf8')).toContain(`hang #1: put back at the interruption: SIGCONT pid ${pid}`);
    } finally {
      drill.kill();
    }
  }, 120_000);
});
