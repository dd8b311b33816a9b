// The daemon's own log (logs/daemon.log, written by the logger and by every daemon-fault line) replaced by a FIFO:
// a blocking open() there waited on the main thread for a reader, freezing the whole daemon.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { faultLog } from '../../src/daemon/fault-log.js';
import { RotatingFileStream } from '../../src/observe/log-rotation.js';
import { Redactor } from '../../src/observe/redact.js';
import { makeSpecial } from '../helpers/special-files.js';

const dirs: string[] = [];
const readers: ChildProcess[] = [];
afterEach(() => {
  for (const r of readers.splice(0)) if (r.exitCode === null && r.signalCode === null) r.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A state dir whose logs/daemon.log is a FIFO, and a reader that opens it only after 3 s: without the fix the
 * writer's open() is stuck until then (so the test fails on the time taken instead of hanging its worker). */
async function fifoLog(): Promise<{ stateDir: string; file: string }> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'cb-own-log-'));
  dirs.push(stateDir);
  mkdirSync(path.join(stateDir, 'logs'));
  const file = path.join(stateDir, 'logs', 'daemon.log');
  await makeSpecial('fifo', file);
  const reader = spawn('sh', ['-c', 'sleep 3; exec cat "$0" > /dev/null', file], { stdio: 'ignore' });
  readers.push(reader);
  return { stateDir, file };
}

describe("the daemon's own log replaced by a FIFO", () => {
  it('a fault line returns at once (stderr has it) and lands in the log once a regular file is back', async () => {
    const { stateDir, file } = await fifoLog();
    const stderr: string[] = [];
    const log = faultLog({ stateDir, redactor: new Redactor(), stderr: { write: (t: string) => stderr.push(t) } });
    const t0 = Date.now();
    log('error', { reason: 'state-write' }, 'daemon degraded: state-write: EPERM');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(stderr.join('')).toContain('daemon degraded: state-write: EPERM');
    expect(lstatSync(file).isFIFO()).toBe(true);

    rmSync(file);
    log('info', { reason: 'state-write' }, 'daemon recovered: state-write');
    expect(readFileSync(file, 'utf8')).toContain('daemon recovered: state-write');
  });

  it('the logger stream refuses it without waiting, counting the write as failed with the path and what to do', async () => {
    const { file } = await fifoLog();
    const t0 = Date.now();
    const stream = new RotatingFileStream({ file, maxBytes: 0, keep: 0 });
    stream.write('a line\n');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(stream.writeErrors).toBeGreaterThan(0);
    expect((stream.lastError as NodeJS.ErrnoException).code).toBe('ENOTREG');
    expect(stream.lastError!.message).toContain(file);
    expect(stream.lastError!.message).toContain('move it aside');
    stream.close();
  });
});
