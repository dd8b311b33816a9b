// Backups that do not parse are not counted toward RESTORE_VALIDATIONS_MAX, so a restore walks all of them: every copy's
// bytes were kept for the whole walk (300 unparseable 15 MiB backups: 4.7 GB peak RSS for `doctor --fix`).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const MiB = 1024 * 1024;

describe('config-restore over many large unparseable backups', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({}, { backupGlobs: ['gateway.json.bak*'] });
  });
  afterEach(() => fx.cleanup());

  it('keeps at most a few copies in memory at once and still restores the older valid backup', async () => {
    // One 15 MiB file cut short (a disk filled mid-write), hard-linked 60 times: 15 MiB on disk, 60 reads of it.
    const big = path.join(fx.dir, 'big.partial');
    await fs.writeFile(big, `{"name":"demo-gateway","port":18789,"notes":"${'a'.repeat(15 * MiB)}`);
    for (let i = 1; i <= 60; i++) await fs.link(big, `${fx.configPath}.bak.${String(i).padStart(2, '0')}`);
    const day = Date.now() - 86_400_000;
    await fs.utimes(big, new Date(day), new Date(day));
    const valid = `${fx.configPath}.bak.zz`;
    await fs.writeFile(valid, '{"name":"demo-gateway","port":18789}\n');
    await fs.utimes(valid, new Date(day - 3_600_000), new Date(day - 3_600_000));
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","port":"oops"}\n');

    global.gc?.();
    const base = process.memoryUsage.rss();
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
    let report;
    try {
      report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage.rss());

    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe('{"name":"demo-gateway","port":18789}\n');
    // Kept for the whole walk, the 60 copies alone were 900 MiB.
    expect((peak - base) / MiB).toBeLessThan(400);
  }, 120_000);
});
