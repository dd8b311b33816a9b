// With --json a failed command answered on stderr only: a script piping into jq got an empty stdout. Every failure now
// also prints one JSON object on stdout ({ok:false, error:{kind, message, exitCode}}) and keeps its exit code.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-json-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface JsonError {
  ok: false;
  error: { kind: string; message: string; exitCode: number };
}

async function expectJsonError(args: string[], code: number, kind: string): Promise<JsonError> {
  const r = await runCli(args, { env: { HOME: dir, CLAWBACK_STATE_DIR: '', CLAWBACK_CONFIG: '' }, cwd: dir });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
  const lines = r.stdout.trim().split('\n');
  expect(lines, `stdout of ${args.join(' ')}`).toHaveLength(1);
  const parsed = JSON.parse(lines[0]!) as JsonError;
  expect(parsed).toMatchObject({ ok: false, error: { kind, exitCode: code } });
  // The human line stays on stderr.
  expect(r.stderr.length).toBeGreaterThan(0);
  return parsed;
}

describe('--json errors are machine-readable on stdout', () => {
  it('no daemon, unknown incident or service, a missing config, a usage error: one JSON object and the documented code', async () => {
    const stateDir = path.join(dir, 'state');
    const noDaemon = await expectJsonError(['status', '--json', '--state-dir', stateDir], 3, 'daemon-unreachable');
    expect(noDaemon.error.message).toContain('not running');
    await expectJsonError(['cluster', 'status', '--json', '--state-dir', stateDir], 3, 'daemon-unreachable');
    await expectJsonError(['incident', 'nope', '--json', '--state-dir', stateDir], 4, 'not-found');
    await expectJsonError(['status', '--json', '--config', path.join(dir, 'missing.yaml')], 2, 'invalid-config');
    const typo = await expectJsonError(['status', '--json', '--jsn', '--state-dir', stateDir], 1, 'usage');
    expect(typo.error.message).toContain("unknown option '--jsn'");
    await expectJsonError(['doctor', '--bogus', '--json'], 64, 'usage');
  }, 60_000);

  it('without --json stdout stays empty on a failure', async () => {
    const r = await runCli(['status', '--state-dir', path.join(dir, 'state')], { env: { HOME: dir } });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
  }, 30_000);
});
