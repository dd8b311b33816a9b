// `clawback logs web | head` and `clawback logs web -f | grep -m1 ERROR`: the reader closes the pipe once it has what it
// wants; the command ends quietly (code 0), as cat and journalctl do, not with an EPIPE stack trace on the terminal.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { PROCESS_START_MS } from '../helpers/processes.js';
import { endsQuietlyOnClosedOutput } from '../../src/cli/closed-output.js';

function lines(from: number, n: number): string {
  let s = '';
  for (let i = from; i < from + n; i++) s += `line ${i} ${'q'.repeat(60)}\n`;
  return s;
}

/** Runs the CLI with its stdout a pipe that the test closes after the first chunk; `whileClosed` runs once it is closed. */
function runAndCloseAfterFirstChunk(args: string[], whileClosed: () => void = () => undefined): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CLAWBACK_TEST_CHILD: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => {
      child.stdout.destroy();
      whileClosed();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`clawback ${args.join(' ')} did not end after its reader left\n${stderr}`));
    }, 2 * PROCESS_START_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

function setup(): { args: string[]; log: string } {
  const dir = tempDir();
  const file = path.join(dir, 'clawback.yaml');
  const logs = path.join(dir, 'state', 'logs');
  mkdirSync(logs, { recursive: true });
  writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
  const log = path.join(logs, 'web.log');
  // More than a pipe holds (64 KiB): the first write cannot be taken whole before the reader leaves.
  writeFileSync(log, lines(0, 20_000));
  return { args: ['--config', file, '--state-dir', path.join(dir, 'state')], log };
}

describe('clawback logs into a pipe its reader closes', () => {
  it('logs -n N | head: ends with code 0 and no EPIPE stack trace', async () => {
    const { args } = setup();
    const r = await runAndCloseAfterFirstChunk(['logs', 'web', '-n', '20000', ...args]);
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.stderr).not.toContain('Unhandled');
    expect(r.code, r.stderr).toBe(0);
  }, 90_000);

  it('logs -f | grep -m1: ends at the next output after the reader left, code 0, no stack trace', async () => {
    const { args, log } = setup();
    let next = 20_000;
    // The service goes on writing: each batch is shown (and refused by the closed pipe).
    const writer = setInterval(() => {
      appendFileSync(log, lines(next, 2000));
      next += 2000;
    }, 200);
    try {
      const r = await runAndCloseAfterFirstChunk(['logs', 'web', '-f', '-n', '20000', ...args]);
      expect(r.stderr).not.toContain('EPIPE');
      expect(r.code, r.stderr).toBe(0);
    } finally {
      clearInterval(writer);
    }
  }, 90_000);

  it('is for the commands that only print: the daemon (run) and the commands that change things keep their own handling', () => {
    for (const c of ['logs', 'incidents', 'incident', 'digest', 'status']) expect(endsQuietlyOnClosedOutput(c)).toBe(true);
    for (const c of ['run', 'guardian', 'doctor', 'install', 'update', 'drill', 'restart', undefined]) expect(endsQuietlyOnClosedOutput(c)).toBe(false);
  });
});
