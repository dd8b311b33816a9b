// A FIFO put in place of a service's log (by hand, by a script, by an agent) held `clawback logs web` in open() for
// ever (killed by timeout after 10 s, nothing said), each pass of `logs -f` the same, and the daemon's crash summary
// (the service's last words) one of libuv's four threads. Each reader now opens without blocking and reads only a
// regular file: the CLI says what is there (exit 1), `-f` says it once and waits for a regular file, the summary has none.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { lastLogLines } from '../../src/observe/last-log-lines.js';
import { Redactor } from '../../src/observe/redact.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setUp(): { log: string; args: string[] } {
  const dir = tempDir();
  dirs.push(dir);
  const file = path.join(dir, 'clawback.yaml');
  mkdirSync(path.join(dir, 'state', 'logs'), { recursive: true });
  writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
  return { log: path.join(dir, 'state', 'logs', 'web.log'), args: ['--config', file, '--state-dir', path.join(dir, 'state')] };
}

/** Lets a reader stuck in open() of the FIFO go (a writer shows up), so a failing run does not hang. */
function release(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // Nobody was waiting on it.
  }
}

describe('a FIFO in place of a service log', () => {
  it('logs NAME says what is there instead of waiting for a writer', async () => {
    const { log, args } = setUp();
    execFileSync('mkfifo', [log]);
    const r = await runCli(['logs', 'web', '-n', '5', ...args], { timeoutMs: 8_000 }).finally(() => release(log));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${log} is a FIFO, not a regular file`);
  }, 20_000);

  it('logs NAME -f says it once, then follows the regular file put back', async () => {
    const { log, args } = setUp();
    writeFileSync(log, 'before\n');
    const child = spawn(process.execPath, [CLI, 'logs', 'web', '-f', '-n', '5', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const until = async (what: () => boolean): Promise<void> => {
      for (let t = Date.now(); !what(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() - t > 8_000) throw new Error(`timed out; out: ${out}; err: ${err}`);
    };
    try {
      await until(() => out.includes('before\n'));
      rmSync(log);
      execFileSync('mkfifo', [log]);
      await until(() => err.includes('is a FIFO, not a regular file'));
      await new Promise((r) => setTimeout(r, 2_500));
      release(log);
      rmSync(log);
      writeFileSync(log, 'after\n');
      await until(() => out.includes('after\n'));
      expect(err.match(/is a FIFO/g)).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
      release(log);
    }
  }, 30_000);

  it("the crash summary's last words read nothing from it, at once, and name it (not \"no last words\")", async () => {
    const { log } = setUp();
    execFileSync('mkfifo', [log]);
    const read = lastLogLines(log, 5, new Redactor());
    const timer = new Promise<'blocked'>((r) => setTimeout(() => r('blocked'), 3_000));
    const got = await Promise.race([read, timer]).finally(() => release(log));
    expect(got).toEqual([expect.stringMatching(/^\[clawback: cannot read .*web\.log: it is a FIFO, not a regular file .*: its last lines are not known\]$/)]);
    await read;
  }, 20_000);
});
