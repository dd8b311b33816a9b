// A config nested past any real one (1 MiB of `[`, or `- - - ...` on one line) is refused before YAML parses it: the
// parser took 14 s and ~1 GB (the daemon's loader child too) before it overflowed its stack with an error naming no limit.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { loadConfig } from '../../src/config/load.js';
import { MAX_CONFIG_NESTING, tooDeep } from '../../src/config/nesting-depth.js';

const VALID = 'services:\n  - name: a\n    command: [sleep, "1"]\n';

describe('config nesting', () => {
  it.each([
    ['flow lists', 4, (n: number) => `${VALID}x-deep: ${'['.repeat(n)}${']'.repeat(n)}\n`],
    ['flow maps', 4, (n: number) => `${VALID}x-deep: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`],
    ['compact block lists', 5, (n: number) => `${VALID}x-deep:\n  ${'- '.repeat(n)}1\n`],
  ])('%s: as deep as the limit loads, one more is refused naming the limit and line %d', (_kind, line, make) => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, make(MAX_CONFIG_NESTING));
    expect(loadConfig({ file, stateDir: path.join(dir, 'state') }).config.services[0]!.name).toBe('a');
    writeFileSync(file, make(MAX_CONFIG_NESTING + 1));
    expect(() => loadConfig({ file, stateDir: path.join(dir, 'state') })).toThrow(`(file): nests lists and maps more than ${MAX_CONFIG_NESTING} levels deep at line ${line}:`);
  });

  it('brackets and dashes inside strings, comments and block scalars are text, not nesting', () => {
    const text = `a: "${'['.repeat(500)}"\nb: '${'{'.repeat(500)}'\n# ${'['.repeat(500)}\nc: |\n  ${'- '.repeat(500)}\nd: ${'-x'.repeat(300)}\n`;
    expect(tooDeep(text)).toBeUndefined();
  });

  it('validate of 1 MiB of "[" says what the limit is (exit 2)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'deep.yaml');
    writeFileSync(file, `services: []\nx: ${'['.repeat(1_048_000)}\n`);
    const r = await runCli(['validate', '-c', file], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`(file): nests lists and maps more than ${MAX_CONFIG_NESTING} levels deep at line 2: expected at most ${MAX_CONFIG_NESTING}`);
  }, 40_000);
});
