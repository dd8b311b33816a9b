// A service whose last output had no newline at its exit ("...at exit") had the next instance's first line run on from
// it in the log ("no newline at exitplain line": one line of two processes, shown so by `clawback logs`, missed by a
// log probe's ^pattern). The spawn ends the torn line first; a log that ends a line, or is empty, is left as it is.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../src/platform/clock.js';
import { spawnInstance } from '../../src/supervisor/service-process.js';
import { NODE, tempDir } from '../helpers/daemon.js';

function runOnce(logFile: string, code: string): Promise<unknown> {
  const inst = spawnInstance({ argv: [NODE, '-e', code], shell: false, cwd: path.dirname(logFile), env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } as Record<string, string>, logFile }, systemClock());
  return inst.exited;
}

describe("an instance's unfinished last line", () => {
  it('is ended before the next instance writes, each line of one instance', async () => {
    const log = path.join(tempDir(), 'svc.log');
    await runOnce(log, "process.stdout.write('first\\nno newline at exit')");
    await runOnce(log, "process.stdout.write('second starts a line\\n')");
    await runOnce(log, "process.stderr.write('third\\n')");
    expect(readFileSync(log, 'utf8')).toBe('first\nno newline at exit\nsecond starts a line\nthird\n');
  }, 30_000);

  it('adds nothing to an empty log or one whose last line ended, and a log probe reads from after the mend', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'svc.log');
    writeFileSync(log, 'ended\n');
    await runOnce(log, "process.stdout.write('next\\n')");
    expect(readFileSync(log, 'utf8')).toBe('ended\nnext\n');
    writeFileSync(log, 'torn');
    const inst = spawnInstance({ argv: [NODE, '-e', "process.stdout.write('after\\n')"], shell: false, cwd: dir, env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } as Record<string, string>, logFile: log }, systemClock());
    await inst.exited;
    expect(inst.logStartOffset).toBe('torn\n'.length);
    expect(readFileSync(log, 'utf8')).toBe('torn\nafter\n');
  }, 30_000);
});
