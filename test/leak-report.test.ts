// Guards the leak report's source: a child a test starts carries the test file's name, which the report prints.
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('children of a test carry its file name', () => {
  const out = spawnSync(process.execPath, ['-e', 'process.stdout.write(process.env.CLAWBACK_TEST_FILE ?? "")'], { encoding: 'utf8' });
  expect(out.stdout).toBe('test/leak-report.test.ts');
});
