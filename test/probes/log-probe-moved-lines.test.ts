// Lines a rotation moved between two log probe ticks: read where they went (file.1 after a flood, a renamed file), within one tick's budget.
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createLogProbe } from '../../src/probes/log-probe.js';
import { rotateIfLarger } from '../../src/observe/log-rotation.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-log-moved-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const probe = (fields: Record<string, unknown> = {}) =>
  createLogProbe(probeSchema.parse({ kind: 'log', pattern: 'FATAL', finding: 'crash', ...fields }) as ProbeConfigOf<'log'>);
const signal = (): AbortSignal => AbortSignal.timeout(5000);
const noise = (bytes: number): string => 'n'.repeat(99).concat('\n').repeat(Math.ceil(bytes / 100));

describe('log probe: lines moved by a rotation between ticks', () => {
  it("finds a fatal line a flood rotation kept in file.1 behind its '[clawback] dropped' marker", async () => {
    const file = path.join(dir, 'flood.log');
    await writeFile(file, noise(3000));
    const target: ProbeTarget = { pid: 1, startedAt: 1, logFile: file };
    const p = probe();
    expect((await p.check(target, signal())).status).toBe('success'); // read position: 3000 bytes in
    // A flood past the generation cap (1 MiB), the fatal line within the newest logs.maxBytes (kept, after the marker).
    await appendFile(file, `${noise(1024 * 1024 + 4096)}FATAL: out of memory\n${noise(2000)}`);
    let dropped = 0;
    expect(await rotateIfLarger(file, 4096, 3, { onDropped: (n) => (dropped = n) })).toBe(true);
    expect(dropped).toBeGreaterThan(1024 * 1024);
    const r = await p.check(target, signal());
    expect(r).toMatchObject({ status: 'failure', details: { line: 'FATAL: out of memory', rotatedFile: `${file}.1` } });
  });

  it('reads at most maxBytesPerTick in one tick, live lines first, the moved ones in what is left', async () => {
    const file = path.join(dir, 'budget.log');
    await writeFile(file, noise(500));
    const target: ProbeTarget = { pid: 1, startedAt: 1, logFile: file };
    const p = probe({ maxBytesPerTick: 4096 });
    await p.check(target, signal());
    // 3500+ unread bytes moved to file.1 by a rename rotation, then 3500 new bytes in the live file: 7000 > 4096.
    await appendFile(file, `FATAL: moved, oldest of the tick\n${noise(3500)}`);
    await rename(file, `${file}.1`);
    await writeFile(file, `${noise(3400)}FATAL: live\n`);
    const r = await p.check(target, signal());
    // The oldest bytes are the ones skipped (not read on top of a full live read).
    expect(r).toMatchObject({ status: 'failure', value: 1, details: { line: 'FATAL: live' } });
    const read = Number(r.details?.bytesRead) + Number(r.details?.movedBytesRead ?? 0);
    expect(read).toBeLessThanOrEqual(4096);
    expect(read + Number(r.details?.skippedBytes)).toBe('FATAL: moved, oldest of the tick\n'.length + 3500 + 3400 + 'FATAL: live\n'.length);
  });

  it('follows a log renamed away (dateext, or rename and a new file) to read the lines written before the rename', async () => {
    const file = path.join(dir, 'app.log');
    await writeFile(file, noise(2000));
    const target: ProbeTarget = { pid: 1, startedAt: 1, logFile: file };
    const p = probe();
    await p.check(target, signal());
    await appendFile(file, 'FATAL: disk quota exceeded\nshutting down\n');
    await rename(file, `${file}-20261206`);
    await writeFile(file, `${noise(3000)}`); // the new file, already past the old offset
    const r = await p.check(target, signal());
    expect(r).toMatchObject({ status: 'failure', value: 1, details: { line: 'FATAL: disk quota exceeded', rotatedFile: `${file}-20261206` } });
    expect((await p.check(target, signal())).status).toBe('success');
  });
});
