// A service log that is there but cannot be opened (mode 000 for another user, a link loop) was told
// `no output from "web" yet (.../web.log does not exist)`, exit 0: the person looked for a service that never wrote.
// Only a missing log is "no output yet"; any other refusal names the file and the cause (exit 1).
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setUp(): { dir: string; log: string; args: string[] } {
  const dir = tempDir();
  dirs.push(dir);
  const file = path.join(dir, 'clawback.yaml');
  mkdirSync(path.join(dir, 'state', 'logs'), { recursive: true });
  writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
  return { dir, log: path.join(dir, 'state', 'logs', 'web.log'), args: ['--config', file, '--state-dir', path.join(dir, 'state')] };
}

/** As root a mode does not refuse: the CLI runs as nobody then (when setpriv is there). */
function asUnprivileged(): string[] | undefined {
  if (process.getuid?.() !== 0) return [];
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    return ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];
  } catch {
    return undefined;
  }
}

describe('a service log that cannot be opened', () => {
  it('a link loop in its place is named with its cause, not "does not exist"', async () => {
    const { log, args } = setUp();
    symlinkSync(log, log);
    const r = await runCli(['logs', 'web', '-n', '5', ...args], { timeoutMs: 8_000 });
    expect(r.stderr).not.toContain('does not exist');
    expect(r.stderr).toContain(`cannot read ${log}: too many symbolic links (ELOOP)`);
    expect(r.code).toBe(1);
  }, 20_000);

  it.runIf(asUnprivileged() !== undefined)('a log it may not read (mode 000) says permission denied, not "does not exist"', () => {
    const { dir, log, args } = setUp();
    writeFileSync(log, 'secret output\n');
    chmodSync(log, 0o000);
    for (const d of [dir, path.join(dir, 'state'), path.join(dir, 'state', 'logs')]) chmodSync(d, 0o755);
    chmodSync(path.join(dir, 'clawback.yaml'), 0o644);
    const prefix = asUnprivileged()!;
    const argv = [...prefix, process.execPath, CLI, 'logs', 'web', '-n', '5', ...args];
    let code = 0;
    let stderr = '';
    try {
      execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 8_000, env: { ...process.env, HOME: dir } });
    } catch (err) {
      code = (err as { status: number }).status;
      stderr = (err as { stderr: string }).stderr;
    }
    expect(stderr).not.toContain('does not exist');
    expect(stderr).toContain(`cannot read ${log}: permission denied (EACCES)`);
    expect(code).toBe(1);
  }, 20_000);

  it('a missing log is still "no output yet" (exit 0)', async () => {
    const { log, args } = setUp();
    const r = await runCli(['logs', 'web', '-n', '5', ...args], { timeoutMs: 8_000 });
    expect(r.stderr).toContain(`(${log} does not exist)`);
    expect(r.code).toBe(0);
  }, 20_000);
});
