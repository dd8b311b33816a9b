// logs.redact: a service that writes without a newline must not make the log redactor hold its output whole.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BoundedLines } from '../../src/observe/bounded-lines.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { killTree, pidRef, rssBytes, waitFor, TEST_CHILD_ENV, type PidRef } from '../helpers/processes.js';

const REDACTOR = fileURLToPath(new URL('../../dist/observe/log-redactor.js', import.meta.url));

let child: ChildProcess | undefined;
let childRef: PidRef | undefined;
afterEach(() => {
  if (childRef) killTree(childRef);
  child = undefined;
  childRef = undefined;
});

function size(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

describe('BoundedLines', () => {
  it('splits as readline does: \\n, \\r\\n across chunks, a lone \\r, a UTF-8 character across chunks', () => {
    const l = new BoundedLines(100);
    expect(l.push('a\nb\r')).toEqual(['a']);
    expect(l.push('\nc\rd')).toEqual(['b', 'c']);
    const euro = Buffer.from('€\n');
    expect(l.push(euro.subarray(0, 1))).toEqual([]);
    expect(l.push(euro.subarray(1))).toEqual(['d€']);
    expect(l.push('\n\nend')).toEqual(['', '']);
    expect(l.end()).toEqual(['end']);
  });

  it('holds at most max characters of an unfinished line, cutting after a space so a token stays whole', () => {
    const l = new BoundedLines(100);
    const out: string[] = [];
    for (let i = 0; i < 1000; i++) out.push(...l.push('x'.repeat(37)));
    expect(out.every((p) => p.length <= 100)).toBe(true);
    expect(out.join('').length).toBeGreaterThanOrEqual(36_900);
    const words = new BoundedLines(100);
    const got = [...words.push(`${'w'.repeat(70)} token=abcdefghijklmnopqrstuvwxyz0123 tail`), ...words.end()];
    expect(got).toEqual([`${'w'.repeat(70)} `, 'token=abcdefghijklmnopqrstuvwxyz0123 tail']);
  });
});

describe('log redactor', () => {
  it('writes a line that never ends in bounded pieces while the service still runs, redacted, without holding it whole', async () => {
    const dir = tempDir('clawback-longline-');
    const file = path.join(dir, 'svc.log');
    const secret = 'hostile-secret-value-0123456789';
    child = spawn(NODE, [REDACTOR, file], { env: { ...process.env, [TEST_CHILD_ENV]: '1', SERVICE_TOKEN: secret }, detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    childRef = child.pid ? pidRef(child.pid) : undefined;
    const stdin = child.stdin!;
    // A redactor ended by the teardown of a timed-out run: its pipe's EPIPE is no unhandled error of the next file.
    stdin.on('error', () => undefined);
    // 64 MiB with no newline at all, then a secret split across two writes, and the pipe stays open (the service runs).
    const mib = 'y'.repeat(1024 * 1024);
    for (let i = 0; i < 64; i++) {
      if (!stdin.write(mib)) await new Promise((r) => stdin.once('drain', r));
    }
    stdin.write(` key ${secret.slice(0, 10)}`);
    stdin.write(`${secret.slice(10)} after`);
    // 28-38 s alone on two cores; the whole suite beside it can double that.
    await waitFor(() => size(file) >= 63 * 1024 * 1024, { timeoutMs: 100_000 });
    // Held whole, the line cost the redactor several times its size; bounded, it stays near a node process's own.
    expect(rssBytes(child.pid!)!).toBeLessThan(200 * 1024 * 1024);
    stdin.end('\n');
    await waitFor(() => readFileSync(file, 'utf8').includes('after\n'), { timeoutMs: 10_000 });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).toContain('key [REDACTED] after\n');
  }, 150_000);
});
