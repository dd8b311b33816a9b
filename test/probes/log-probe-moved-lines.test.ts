// Lines a rotation moved between two log probe ticks: read where they went (file.1 after a flood, a renamed file), within one tick's budget.
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
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
});
