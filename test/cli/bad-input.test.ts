// Wrong input from a user (a --state-dir that is a file, a count that is not a number) gets one clear line and a
// non-zero exit: never a stack trace, never a silent NaN that reads as "everything".
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, tempDir, FIXTURES, NODE } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { durationOption } from '../../src/cli/number-option.js';

function expectClear(r: { code: number | null; stderr: string }, ...words: string[]): void {
  expect(r.code).not.toBe(0);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  for (const w of words) expect(r.stderr).toContain(w);
}

describe('the CLI on wrong input', () => {
  it('a --state-dir that is a file: incidents, digest and run name the path and the cause', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, 'services:\n  - name: web\n    command: [node, -e, "setInterval(() => {}, 1000)"]\n');
    for (const cmd of [['incidents'], ['digest']]) expectClear(await runCli([...cmd, '--state-dir', file]), file, 'not a directory', 'ENOTDIR');
    expectClear(await runCli(['run', '--config', config, '--state-dir', file, '--api-port', '0']), file, 'EEXIST');
  });

  it('a number of days or lines that is not a whole number is refused, naming the value', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
    writeFileSync(path.join(stateDir, 'logs', 'web.log'), 'one\ntwo\nthree\n');
    expectClear(await runCli(['incidents', '--days', 'abc', '--state-dir', stateDir]), '--days', '"abc"');
    expectClear(await runCli(['digest', '--days', '-3', '--state-dir', stateDir]), '--days', '"-3"');
    expectClear(await runCli(['logs', 'web', '-n', 'abc', '--state-dir', stateDir]), '--lines', '"abc"');
    // -n 0 shows nothing (as tail -n 0), -n 2 the last two
    expect((await runCli(['logs', 'web', '-n', '0', '--state-dir', stateDir])).stdout).toBe('');
    expect((await runCli(['logs', 'web', '-n', '2', '--state-dir', stateDir])).stdout).toBe('two\nthree\n');
  });

  it('guardian --stale-after and run --api-port refuse what is not a duration or a port (never NaN)', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    // NaN as the stale age made every heartbeat look fresh: a hung daemon was reported "running" and left hung.
    expectClear(await runCli(['guardian', '--once', '--stale-after', 'abc', '--state-dir', stateDir]), '--stale-after', '"abc"');
    expectClear(await runCli(['run', '--api-port', 'abc', '--state-dir', stateDir]), '--api-port', '"abc"');
    expectClear(await runCli(['run', '--api-port', '99999', '--state-dir', stateDir]), '--api-port', '"99999"');
    // The README's `--stale-after MS` keeps working, and a duration such as 30s means what it says.
    const parse = durationOption(1);
    expect(parse('15000')).toBe(15_000);
    expect(parse('5s')).toBe(5_000);
    expect(() => parse('0')).toThrow();
  });

  it('a token the daemon does not hold, or none: says which, names the file, exit 1', async () => {
    const td = await startTestDaemon({ services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '0', '600000'] }] });
    try {
      const tokenFile = path.join(td.stateDir, 'token');
      writeFileSync(tokenFile, 'not-the-daemons-token-0123456789\n');
      const wrong = await runCli(['resume', 'web', '--state-dir', td.stateDir]);
      expectClear(wrong, 'refused the API token', tokenFile);
      expect(wrong.code).toBe(1);
      // A file too short to be a token (a deleted one is written back by the daemon: test/daemon/token-deleted.test.ts).
      writeFileSync(tokenFile, 'short\n');
      const none = await runCli(['maintenance', 'web', 'on', '--state-dir', td.stateDir]);
      expectClear(none, 'no usable API token', tokenFile);
      expect(none.code).toBe(1);
      // Nothing was carried out.
      expect(td.daemon.runtimes.get('web')!.status().maintenance).toBeNull();
    } finally {
      await td.stop();
    }
  });
});
