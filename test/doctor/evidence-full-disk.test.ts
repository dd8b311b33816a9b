// A restore on a config disk too full for the evidence copy: the empty `.corrupt-*` it began is removed again (one more
// per Level 2 attempt otherwise, each a "corrupted file" of 0 bytes), and the error names the files, not just ENOSPC.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { GOOD_CONFIG, makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

const BROKEN = '{"name":"my-gateway","host":"127.0.0.1","port":18789\n';

describe('config-restore when the config disk is full', () => {
  let fx: DoctorFixture;
  let disk: SmallDisk;
  let target: string;
  beforeEach(async () => {
    fx = await makeFixture();
    await recordGood(fx);
    disk = mountSmallDisk('1m');
    target = path.join(disk.dir, 'gateway.json');
    await fs.writeFile(target, BROKEN, { mode: 0o640 });
    await fs.rm(fx.configPath);
    await fs.symlink(target, fx.configPath);
  });
  afterEach(async () => {
    disk.unmount();
    await fx.cleanup();
  });

  const evidence = async (): Promise<string[]> => (await fs.readdir(disk.dir)).filter((n) => n.includes('.corrupt-'));

  it('leaves no empty evidence file, says which file could not be kept, and restores once there is room', async () => {
    disk.fill();
    for (let attempt = 0; attempt < 2; attempt++) {
      const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
      expect(report.exitCode).toBe(2);
      expect(report.outcomes[0]).toMatchObject({ applied: false, verified: false });
      expect(report.outcomes[0]!.message).toContain(`${target}.corrupt-`);
      expect(report.outcomes[0]!.message).toMatch(/ENOSPC/);
      expect(await fs.readFile(target, 'utf8')).toBe(BROKEN);
      expect(await evidence()).toEqual([]);
    }
    disk.free();
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.exitCode).toBe(1);
    expect(await fs.readFile(target, 'utf8')).toBe(GOOD_CONFIG);
    const kept = await evidence();
    expect(kept).toHaveLength(1);
    expect(await fs.readFile(path.join(disk.dir, kept[0]!), 'utf8')).toBe(BROKEN);
  });
});
