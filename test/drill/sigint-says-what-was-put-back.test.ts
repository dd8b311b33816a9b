// SIGINT during a hang trial printed "SIGINT: ... everything is put back" whatever the undo steps did (a failed step
// too), and never named them. The line follows the undo and says what was put back, or what could not be.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { NODE } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { RestoreStack, putBackText } from '../../src/drill/restore-stack.js';
import { drillDaemonPerFile, drilledStatus } from './drill-daemon.js';

function procState(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]!;
}

describe('the SIGINT line of a drill', () => {
  // 30 failures of a 300 ms probe: the drill is cut while the service is still frozen.
  const d = drillDaemonPerFile('gateway', { healthFailureThreshold: 30 });

  it('names the step the interruption put back (SIGCONT of the frozen pid)', async () => {
    const { pid } = await drilledStatus<{ pid: number }>(d.stateDir);
    const drill = spawnMarked(NODE, [CLI, 'drill', 'hang', '--json', '--yes', '--timeout', '60', '--state-dir', d.stateDir, '--report', `${d.dir}/hang.md`]);
    try {
      await waitFor(() => procState(pid) === 'T', { timeoutMs: 30_000, intervalMs: 20 });
      process.kill(drill.pid, 'SIGINT');
      const exit = await drill.waitForExit(60_000);
      expect(exit.code, drill.stderr()).toBe(130);
      const line = drill.stderr().split('\n').find((l) => l.startsWith('SIGINT:'));
      expect(line, drill.stderr()).toContain(`put back: SIGCONT pid ${pid};`);
      expect(line).not.toContain('everything is put back');
    } finally {
      drill.kill();
    }
  }, 120_000);

  it('says what could not be put back, and when nothing was in place', () => {
    const stack = new RestoreStack(() => undefined);
    stack.push('remove the planted lock /x/lock', () => undefined);
    stack.push('restore /x/config.json', () => {
      throw new Error('EROFS');
    });
    expect(putBackText(stack.unwindAll())).toBe("put back: remove the planted lock /x/lock; could NOT put back: restore /x/config.json (see the drill's output)");
    expect(putBackText(stack.unwindAll())).toBe("nothing of the drill's was in place to put back");
  });
});
