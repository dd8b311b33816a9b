// `clawback logs NAME --json` was refused ("unknown option '--json'", exit 1) while every other reading command has it:
// a script had to scrape text. Each line of output is one JSON object, {"service","line"}, with -f too as lines come;
// secrets are redacted as in the text, an escape sequence is JSON-escaped, and an unknown service answers as JSON.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

const SECRET = 'sk-live-0123456789abcdefghij';

function setUp(): { file: string; stateDir: string; log: string } {
  const dir = tempDir();
  const file = path.join(dir, 'clawback.yaml');
  const stateDir = path.join(dir, 'state');
  mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
  writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
  return { file, stateDir, log: path.join(stateDir, 'logs', 'web.log') };
}

const parsed = (stdout: string): unknown[] => stdout.split('\n').slice(0, -1).map((l) => JSON.parse(l));

describe('logs NAME --json', () => {
  let child: MarkedChild | undefined;
  afterEach(() => child?.kill());

  it('prints one object per line, secrets redacted and escapes escaped', async () => {
    const { file, stateDir, log } = setUp();
    writeFileSync(log, `old\nlistening on 8080\napi_key=${SECRET}\ntitle \u001b]0;pwned\u0007 done\n`);
    const r = await runCli(['logs', 'web', '-n', '3', '--json', '--config', file, '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stdout).not.toContain('\u001b');
    const lines = parsed(r.stdout) as Array<{ service: string; line: string }>;
    expect(lines.map((l) => l.service)).toEqual(['web', 'web', 'web']);
    expect(lines[0]!.line).toBe('listening on 8080');
    expect(lines[1]!.line).toContain('[REDACTED]');
    expect(lines[2]!.line).toBe('title \u001b]0;pwned\u0007 done');
  }, 60_000);

  it('goes on with -f, one object per new line', async () => {
    const { file, stateDir, log } = setUp();
    writeFileSync(log, 'first\n');
    child = spawnMarked(process.execPath, [CLI, 'logs', 'web', '-f', '--json', '--config', file, '--state-dir', stateDir]);
    await child.waitForStdout('"line":"first"');
    appendFileSync(log, 'second\nthird\n');
    const out = await child.waitForStdout('"line":"third"');
    expect(parsed(out)).toEqual([{ service: 'web', line: 'first' }, { service: 'web', line: 'second' }, { service: 'web', line: 'third' }]);
  }, 60_000);

  it('answers an unknown service as JSON on stdout (exit 4)', async () => {
    const { file, stateDir } = setUp();
    const r = await runCli(['logs', 'nosuch', '--json', '--config', file, '--state-dir', stateDir]);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { kind: 'not-found', exitCode: 4 } });
    expect(r.stderr).toContain('nosuch');
  }, 60_000);
});
