// A log emptied in place between two log probe ticks (logs.keep: 0, a flood trim, a full disk, the user's truncate) and
// written past the old read position again: the probe must read the new content from its start.
import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createLogProbe } from '../../src/probes/log-probe.js';
import { rotateIfLarger, trimFlood } from '../../src/observe/log-rotation.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';
import { LogEmptyings } from '../../src/observe/log-emptyings.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-log-emptied-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const probe = (fields: Record<string, unknown> = {}) =>
  createLogProbe(probeSchema.parse({ kind: 'log', pattern: 'FATAL', finding: 'crash', ...fields }) as ProbeConfigOf<'log'>);
const signal = (): AbortSignal => AbortSignal.timeout(5000);
/** Log lines with a running number, like a real service's (no two alike). */
const lines = (bytes: number, tag: string): string => {
  let out = '';
  for (let i = 0; out.length < bytes; i++) out += `${tag} line ${i} ${'x'.repeat(60)}\n`;
  return out;
};

describe('log probe: a log emptied in place and written past the old position before the next tick', () => {
  it('logs.keep: 0 rotation (rotateIfLarger): the fatal line at the start of the new content is reported', async () => {
    const file = path.join(dir, 'keep0.log');
    await writeFile(file, lines(3000, 'old'));
    const target: ProbeTarget = { pid: 1, startedAt: 1, logFile: file };
    const p = probe();
    expect((await p.check(target, signal())).status).toBe('success'); // read position: ~3000 bytes in
    await appendFile(file, lines(2000, 'unread'));
    expect(await rotateIfLarger(file, 4096, 0)).toBe(true); // emptied in place, no file.1
    await appendFile(file, `FATAL: listen EADDRINUSE\n${lines(4000, 'new')}`);
    const r = await p.check(target, signal());
    expect(r).toMatchObject({ status: 'failure', details: { line: 'FATAL: listen EADDRINUSE', restartedFromTop: true } });
    // Read once: the next tick has nothing new.
    expect((await p.check(target, signal())).status).toBe('success');
  });

  it('a flood trim (trimFlood) and a plain truncate are noticed the same way', async () => {
    const file = path.join(dir, 'trim.log');
    await writeFile(file, lines(1024 * 1024 + 8192, 'flood'));
    const target: ProbeTarget = { pid: 1, startedAt: 1, logFile: file };
    const p = probe({ maxBytesPerTick: 4 * 1024 * 1024 });
    expect((await p.check(target, signal())).status).toBe('success');
    await appendFile(file, lines(4096, 'more'));
    expect(await trimFlood(file, 4096)).toBeGreaterThan(0);
    await appendFile(file, `FATAL: after the trim\n${lines(1024 * 1024 + 16384, 'again')}`);
    expect(await p.check(target, signal())).toMatchObject({ status: 'failure', details: { line: 'FATAL: after the trim' } });

    await truncate(file, 0);
    await appendFile(file, `FATAL: after the truncate\n${lines(1024 * 1024 + 32768, 'third')}`);
    expect(await p.check(target, signal())).toMatchObject({ status: 'failure', details: { line: 'FATAL: after the truncate' } });
  });

  it('an ordinary append is not taken for an emptying (no match read twice)', async () => {
    const file = path.join(dir, 'plain.log');
    await writeFile(file, `FATAL: once\n${lines(500, 'a')}`);
    const target: ProbeTarget = { pid: 1, startedAt: 1, logFile: file, logStartOffset: 0 };
    const p = probe();
    expect((await p.check(target, signal())).status).toBe('failure');
    for (let i = 0; i < 5; i++) {
      await appendFile(file, lines(300, `b${i}`));
      expect(await p.check(target, signal())).toMatchObject({ status: 'success', details: { restartedFromTop: false } });
    }
  });

  it('an emptying by the daemon that brought identical bytes back at the old position is known from its count', async () => {
    // A service that writes the same heartbeat line over and over: after the emptying, the 32 bytes before the old
    // position are the same as before, so only the daemon's count tells the probe the log was emptied.
    const file = path.join(dir, 'same-bytes.log');
    const hb = 'heartbeat ok\n';
    await writeFile(file, hb.repeat(400));
    const emptyings = new LogEmptyings();
    const target: ProbeTarget = { pid: 1, startedAt: 1, logFile: file, logEmptyings: emptyings.of(file) };
    const p = probe();
    expect((await p.check(target, signal())).status).toBe('success');
    expect(await emptyings.around(file, () => rotateIfLarger(file, 4096, 0), (r) => r)).toBe(true);
    const marker = (await readFile(file)).length;
    let fatal = 'FATAL: listen EADDRINUSE';
    while ((marker + fatal.length + 1) % hb.length !== 0) fatal += '!';
    await appendFile(file, `${fatal}\n${hb.repeat(420)}`);
    expect(await p.check(target, signal())).toMatchObject({ status: 'failure', details: { line: fatal, restartedFromTop: true } });
    await appendFile(file, hb.repeat(3));
    expect(await p.check(target, signal())).toMatchObject({ status: 'success', details: { restartedFromTop: false } });
  });

  it('waits a tick while the daemon is emptying the log, then reads the new content once', async () => {
    const file = path.join(dir, 'in-flight.log');
    await writeFile(file, lines(3000, 'old'));
    const emptyings = new LogEmptyings();
    const target: ProbeTarget = { pid: 1, startedAt: 1, logFile: file, logEmptyings: emptyings.of(file) };
    const p = probe();
    expect((await p.check(target, signal())).status).toBe('success');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const emptying = emptyings.around(file, async () => (await truncate(file, 0), await appendFile(file, 'FATAL: after the emptying\n'), await gate, true), (r) => r);
    await new Promise((r) => setTimeout(r, 50));
    expect(await p.check(target, signal())).toMatchObject({ status: 'success', details: { offset: expect.any(Number) } });
    release();
    await emptying;
    expect(await p.check(target, signal())).toMatchObject({ status: 'failure', value: 1, details: { line: 'FATAL: after the emptying' } });
    expect((await p.check(target, signal())).status).toBe('success');
  });

  it('a failed rotation is not counted as an emptying', async () => {
    const emptyings = new LogEmptyings();
    const count = emptyings.of('/x.log');
    await expect(emptyings.around('/x.log', () => Promise.reject(new Error('EIO')), () => true)).rejects.toThrow('EIO');
    await emptyings.around('/x.log', async () => 0, (n) => n > 0);
    expect(count).toEqual({ inFlight: 0, done: 0 });
    await emptyings.around('/x.log', async () => 5, (n) => n > 0);
    expect(count).toEqual({ inFlight: 0, done: 1 });
  });
});
