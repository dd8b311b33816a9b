import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createConfigProbe } from '../../src/probes/config-probe.js';
import { makeSpecial, releaseFifoReaders, within, type SpecialKind } from '../helpers/special-files.js';

let dir: string;
const fifos: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-config-probe-special-'));
});
afterEach(() => {
  for (const f of fifos.splice(0)) releaseFifoReaders(f);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const probe = createConfigProbe(probeSchema.parse({ kind: 'config' }) as ProbeConfigOf<'config'>);

describe('config probe: a special file in place of the config', () => {
  // Each used to hold one of libuv's four threads in open() (a FIFO waits for a writer) or read without end.
  it.each([
    ['fifo', /is a FIFO in place of the file/],
    ['link-to-fifo', /is a FIFO in place of the file/],
    ['directory', /is a directory in place of the file/],
    ['sparse-2gib', /is 2147483648 bytes, over the \d+ bytes expected at most/],
  ] as Array<[SpecialKind, RegExp]>)('%s: a prompt failure naming what is there', async (kind, message) => {
    const file = path.join(dir, `${kind}.json`);
    await makeSpecial(kind, file);
    fifos.push(file, `${file}.fifo`);
    const r = await within(5000, `the probe of ${kind}`, probe.check({ pid: undefined, startedAt: undefined, configFile: { path: file, format: 'json' } }, AbortSignal.timeout(10_000)));
    expect(r).toMatchObject({ status: 'failure', finding: 'config-invalid', details: { path: file } });
    expect(r.message).toContain(file);
    expect(r.message).toMatch(message);
  });

  it('a link to /dev/zero: a prompt failure, not a read without end', async () => {
    const file = path.join(dir, 'zero.json');
    await makeSpecial('link-to-dev-zero', file);
    const r = await within(5000, 'the probe of a link to /dev/zero', probe.check({ pid: undefined, startedAt: undefined, configFile: { path: file, format: 'json' } }, AbortSignal.timeout(10_000)));
    expect(r).toMatchObject({ status: 'failure', finding: 'config-invalid' });
    expect(r.message).toMatch(/is a character device in place of the file/);
  });

  it('four probes of a FIFO in a row leave the threadpool free for other reads', async () => {
    const file = path.join(dir, 'four.json');
    await makeSpecial('fifo', file);
    fifos.push(file);
    for (let i = 0; i < 4; i++) await within(5000, `probe ${i + 1} of the FIFO`, probe.check({ pid: undefined, startedAt: undefined, configFile: { path: file, format: 'json' } }, AbortSignal.timeout(1000)));
    const other = path.join(dir, 'other.json');
    await writeFile(other, '{"ok": true}');
    expect((await within(5000, 'a read of a regular file', probe.check({ pid: undefined, startedAt: undefined, configFile: { path: other, format: 'json' } }, AbortSignal.timeout(10_000)))).status).toBe('success');
  });
});
