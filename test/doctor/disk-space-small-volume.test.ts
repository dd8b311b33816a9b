// A small state/log volume (16 MiB) was "nearly full" for ever under the absolute 500 MiB floor: doctor exited 2 with
// "16.0 MB free of 16.0 MB (100.0 %)". The floor now scales with the volume (10 % below 5 GiB); large volumes keep it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { diskSpaceRule } from '../../src/doctor/rule-disk-space.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const MiB = 1024 * 1024;

describe('disk-space rule on a small volume', () => {
  let fx: DoctorFixture;
  let disk: SmallDisk;
  beforeEach(async () => {
    fx = await makeFixture();
    disk = mountSmallDisk('16m');
  });
  afterEach(async () => {
    disk.unmount();
    await fx.cleanup();
  });

  it('an empty 16 MiB volume is not nearly full; the same volume with under 10 % free is', { timeout: 30_000 }, async () => {
    const stateDir = path.join(disk.dir, 'state');
    fx.withService({ logs: { dir: path.join(disk.dir, 'logs') } });
    const empty = await runDoctor(fx.ctx({ stateDir }), { fix: false, rules: [diskSpaceRule()] });
    expect(empty.findings).toEqual([]);
    expect(empty.exitCode).toBe(0);

    disk.fill(1 * MiB);
    const full = await runDoctor(fx.ctx({ stateDir }), { fix: false, rules: [diskSpaceRule()] });
    expect(full.findings.map((f) => f.title)).toEqual(['disk nearly full']);
    expect(full.findings[0]!.evidence).toMatch(/free of 16\.0 MB/);
    expect(full.exitCode).toBe(2);
  });

  it('a large volume keeps the 500 MiB floor', async () => {
    const at = (freeBytes: number, totalBytes: number) => diskSpaceRule({ statfs: async () => ({ freeBytes, totalBytes }) });
    // 8 GiB volume (5 % is 409.6 MiB): 450 MiB free is above the ratio but under the 500 MiB floor.
    expect((await runDoctor(fx.ctx(), { fix: false, rules: [at(450 * MiB, 8 * 1024 ** 3)] })).findings).toHaveLength(1);
    expect((await runDoctor(fx.ctx(), { fix: false, rules: [at(550 * MiB, 8 * 1024 ** 3)] })).findings).toHaveLength(0);
    // 4 GiB volume: the floor is 10 % (409.6 MiB), so 450 MiB free is enough and 300 MiB is not.
    expect((await runDoctor(fx.ctx(), { fix: false, rules: [at(450 * MiB, 4 * 1024 ** 3)] })).findings).toHaveLength(0);
    expect((await runDoctor(fx.ctx(), { fix: false, rules: [at(300 * MiB, 4 * 1024 ** 3)] })).findings).toHaveLength(1);
  });
});
