import { appendFile, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createLogProbe } from '../../src/probes/log-probe.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-log-probe-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const probe = (fields: Record<string, unknown> = {}) =>
  createLogProbe(probeSchema.parse({ kind: 'log', pattern: 'EADDRINUSE', finding: 'port-in-use', ...fields }) as ProbeConfigOf<'log'>);
const signal = (): AbortSignal => AbortSignal.timeout(2000);

describe('log probe', () => {
  it('sees only new lines, waits for unfinished lines, survives truncation and rotation', async () => {
    const file = path.join(dir, 'svc.log');
    await writeFile(file, 'old: Error: listen EADDRINUSE :::18789\n');
    const target: ProbeTarget = { pid: 10, startedAt: 1, logFile: file };
    const p = probe();

    expect((await p.check(target, signal())).status).toBe('success'); // old lines are not news
    await appendFile(file, 'listening\nError: listen EADDRINUSE: address already in use :::18789\nretrying\n');
    const hit = await p.check(target, signal());
    expect(hit).toMatchObject({ status: 'failure', finding: 'port-in-use', value: 1 });
    expect(hit.details?.line).toBe('Error: listen EADDRINUSE: address already in use :::18789');
    expect((await p.check(target, signal())).status).toBe('success');

    await appendFile(file, 'again EADDR');
    expect((await p.check(target, signal())).status).toBe('success');
    await appendFile(file, 'INUSE\n');
    expect(await p.check(target, signal())).toMatchObject({ status: 'failure', details: { line: 'again EADDRINUSE' } });

    // Truncated in place: read from the top.
    await writeFile(file, 'EADDRINUSE after truncate\n');
    expect(await p.check(target, signal())).toMatchObject({ status: 'failure', details: { line: 'EADDRINUSE after truncate' } });

    // Rotated: a new file (new inode) under the same name, longer than the old offset.
    await rename(file, `${file}.1`);
    await writeFile(file, `${'x'.repeat(200)}\nEADDRINUSE after rotate\n`);
    expect(await p.check(target, signal())).toMatchObject({ status: 'failure', details: { line: 'EADDRINUSE after rotate' } });
    expect((await p.check(target, signal())).status).toBe('success');
  });

  it('a new instance is read from its logStartOffset (start-up errors count), or from the end without it', async () => {
    const file = path.join(dir, 'restart.log');
    await writeFile(file, 'first instance\n');
    const p = probe();
    expect((await p.check({ pid: 1, startedAt: 1, logFile: file }, signal())).status).toBe('success');
    await appendFile(file, 'first instance died: EADDRINUSE\n');
    const startOffset = (await stat(file)).size;
    await appendFile(file, 'second instance: EADDRINUSE at start-up\n');
    const r = await p.check({ pid: 2, startedAt: 2, logFile: file, logStartOffset: startOffset }, signal());
    expect(r).toMatchObject({ status: 'failure', details: { line: 'second instance: EADDRINUSE at start-up' } });

    await appendFile(file, 'third instance: EADDRINUSE\n');
    expect((await p.check({ pid: 3, startedAt: 3, logFile: file }, signal())).status).toBe('success');
  });

  it('reads at most maxBytesPerTick, trims long lines, flags and missing files', async () => {
    const file = path.join(dir, 'chatty.log');
    await writeFile(file, '');
    const target: ProbeTarget = { pid: 1, startedAt: 1, logFile: file };
    const p = probe({ maxBytesPerTick: 1024 });
    await p.check(target, signal());
    await appendFile(file, `EADDRINUSE early\n${'noise\n'.repeat(1000)}`);
    const r = await p.check(target, signal());
    expect(r.status).toBe('success');
    expect(r.details?.skippedBytes).toBeGreaterThan(0);

    await appendFile(file, `EADDRINUSE ${'y'.repeat(900)}\n`);
    const long = await p.check(target, signal());
    expect(long.status).toBe('failure');
    expect(String(long.details?.line).length).toBeLessThanOrEqual(501);

    const ci = probe({ pattern: 'fatal', flags: 'i', file });
    await ci.check(target, signal());
    await appendFile(file, 'FATAL: out of memory\r\n');
    expect(await ci.check(target, signal())).toMatchObject({ status: 'failure', finding: 'port-in-use', details: { line: 'FATAL: out of memory' } });

    expect((await probe().check({ pid: 1, startedAt: 1, logFile: path.join(dir, 'none.log') }, signal())).status).toBe('unknown');
    expect((await probe().check({ pid: 1, startedAt: 1 }, signal())).status).toBe('unknown');
  });
});
