// A config that is a symlink whose target is missing (the dotfiles checkout moved or not yet cloned): a restore of the
// last-known-good keeps the link a link, writing into its target, never a regular file over the link.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { GOOD_CONFIG, makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

describe('a symlinked config whose target is missing', () => {
  let fx: DoctorFixture;
  let target: string;
  beforeEach(async () => {
    fx = await makeFixture();
    target = path.join(fx.dir, 'dotfiles', 'gateway.json');
    await fs.mkdir(path.dirname(target));
    await fs.rm(fx.configPath);
    await fs.symlink('dotfiles/gateway.json', fx.configPath);
    await recordGood(fx);
  });
  afterEach(() => fx.cleanup());

  it('is restored into the link target; the link stays a link', async () => {
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect((await fs.lstat(fx.configPath)).isSymbolicLink(), `the link was replaced: ${JSON.stringify(report.outcomes.map((o) => o.message))}`).toBe(true);
    expect(await fs.readlink(fx.configPath)).toBe('dotfiles/gateway.json');
    expect(await fs.readFile(target, 'utf8')).toBe(GOOD_CONFIG);
  });

  it('a link into a directory that is gone too: the link is left as it is, never replaced by a file', async () => {
    await fs.rm(fx.configPath);
    await fs.symlink('gone/gateway.json', fx.configPath);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect((await fs.lstat(fx.configPath)).isSymbolicLink(), `the link was replaced: ${JSON.stringify(report.outcomes.map((o) => o.message))}`).toBe(true);
    expect(await fs.readlink(fx.configPath)).toBe('gone/gateway.json');
    expect(report.outcomes.filter((o) => o.applied)).toEqual([]);
    expect(JSON.stringify(report.findings)).toContain('whose directory does not exist');
  });
});
