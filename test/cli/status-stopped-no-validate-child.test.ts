// `status` of a stopped daemon ran `clawback validate` in a child every time (~0.5 s) to tell whether its "start it with"
// hint would load; the answer is kept per config file (its identity, this clawback) and asked again only after a change.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

/** How many `validate` children the commands run since the last call (a preload writes each process's argv). */
function validateRuns(record: string): number {
  if (!existsSync(record)) return 0;
  const n = readFileSync(record, 'utf8').split('\n').filter((l) => l.includes('"validate"')).length;
  writeFileSync(record, '');
  return n;
}

describe('status of a stopped daemon', () => {
  it('asks a validate child once per version of the config file, and again after an edit', async () => {
    const dir = tempDir('cb-status-check-');
    const tmp = path.join(dir, 'tmp');
    const config = path.join(dir, 'clawback.yaml');
    const record = path.join(dir, 'argv.log');
    const preload = path.join(dir, 'argv.cjs');
    writeFileSync(preload, `require('node:fs').appendFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv) + '\\n');\n`);
    writeFileSync(config, `stateDir: ./state\nservices:\n  - name: web\n    command: [sleep, "1000"]\n`);
    mkdirSync(tmp, { recursive: true });
    const env = { TMPDIR: tmp, NODE_OPTIONS: `--require=${preload}`, CLAWBACK_CONFIG: '' };

    const first = await runCli(['status', '--config', config], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(3);
    expect(first.stderr).toMatch(/start it with: .* run$/m);
    expect(validateRuns(record)).toBe(1);

    const second = await runCli(['status', '--config', config], { cwd: dir, env });
    expect(second.code).toBe(3);
    expect(second.stderr).toBe(first.stderr);
    expect(validateRuns(record)).toBe(0);

    // An edit that breaks it is seen at once: the hint says what run would refuse, not "start it with".
    writeFileSync(config, `stateDir: ./state\nservices:\n  - name: web\n    command: [sleep, "1000"]\n    restart:\n      maxRestarts: many\n`);
    const third = await runCli(['status', '--config', config], { cwd: dir, env });
    expect(third.code).toBe(3);
    expect(third.stderr).toContain('does not load');
    expect(validateRuns(record)).toBe(1);
    const fourth = await runCli(['status', '--config', config], { cwd: dir, env });
    expect(fourth.stderr).toBe(third.stderr);
    expect(validateRuns(record)).toBe(0);
  }, 60_000);
});
