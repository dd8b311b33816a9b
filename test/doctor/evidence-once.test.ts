// A config broken the same way again and again (the soak: one identical gateway.json.corrupt-* per repair, 15 in
// 12 minutes across three services) keeps those bytes once beside the file; different bytes are still all kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { keepEvidenceOnce } from '../../src/doctor/safe-user-write.js';
import { fileStamp } from '../../src/platform/file-stamp.js';
import { GOOD_CONFIG, makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

async function evidenceFiles(fx: DoctorFixture): Promise<string[]> {
  return (await fs.readdir(fx.dir)).filter((n) => n.startsWith('gateway.json.corrupt-')).sort();
}

describe('evidence of a config broken the same way again', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('20 repairs of the same broken bytes leave one evidence file; other broken bytes get their own', async () => {
    await recordGood(fx);
    const same = '{"name": broken';
    for (let cycle = 0; cycle < 20; cycle++) {
      await fs.writeFile(fx.configPath, same);
      const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
      expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
      expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
      const files = await evidenceFiles(fx);
      expect(files).toHaveLength(1);
      // Every repair still names where the broken bytes are.
      expect(report.outcomes[0]!.message).toContain(path.join(fx.dir, files[0]!));
    }
    expect(await fs.readFile(path.join(fx.dir, (await evidenceFiles(fx))[0]!), 'utf8')).toBe(same);

    const other = '{"port": oops';
    await fs.writeFile(fx.configPath, other);
    await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const files = await evidenceFiles(fx);
    expect(files).toHaveLength(2);
    const kept = await Promise.all(files.map((f) => fs.readFile(path.join(fx.dir, f), 'utf8')));
    expect(kept.sort()).toEqual([other, same].sort());
  });

  it('a link or a different file under an evidence name is not taken for the bytes: new evidence is written', async () => {
    const bytes = Buffer.from('{"name": broken');
    const target = path.join(fx.dir, 'elsewhere.json');
    await fs.writeFile(target, bytes);
    await fs.symlink(target, `${fx.configPath}.corrupt-2020-01-01T00-00-00.000Z`);
    await fs.writeFile(`${fx.configPath}.corrupt-2020-01-02T00-00-00.000Z`, '{"name": brokeX');
    const first = await keepEvidenceOnce(fx.configPath, bytes, {}, fx.clock);
    expect(first.created).toBe(true);
    expect((await fs.lstat(first.path)).isFile()).toBe(true);
    const again = await keepEvidenceOnce(fx.configPath, bytes, {}, fx.clock);
    expect(again).toEqual({ path: first.path, created: false });
  });
});

describe('the name of a copy of broken bytes', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('is stamped as every other evidence writer stamps (fileStamp: no ":" and no "." in the time)', async () => {
    const now = Date.parse('2026-12-07T13:50:00.123Z');
    const kept = await keepEvidenceOnce(fx.configPath, Buffer.from('{"name": broken'), {}, { now: () => now });
    expect(path.basename(kept.path)).toBe(`gateway.json.corrupt-${fileStamp(now)}`);
    expect(path.basename(kept.path)).toBe('gateway.json.corrupt-2026-12-07T13-50-00-123Z');
  });
});
