import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule, NO_LAST_KNOWN_GOOD } from '../../src/doctor/rule-config-restore.js';
import { sha256 } from '../../src/platform/config-file.js';
import { GOOD_CONFIG, makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

async function evidenceFiles(fx: DoctorFixture): Promise<string[]> {
  return (await fs.readdir(fx.dir)).filter((n) => n.startsWith('gateway.json.corrupt-')).map((n) => path.join(fx.dir, n));
}

describe('config-restore rule', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  const broken: [string, string][] = [
    ['truncated', GOOD_CONFIG.slice(0, 25)],
    ['invalid JSON', '{"name":"demo-gateway",,"port":18789}'],
    ['wrong type (validateCommand fails)', '{"name":"demo-gateway","host":"127.0.0.1","port":"18789"}'],
  ];
  for (const [what, bytes] of broken) {
    it(`${what}: restores the last-known-good bytes exactly and keeps the broken file beside it`, async () => {
      await recordGood(fx);
      await fs.writeFile(fx.configPath, bytes);
      const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
      expect(report.findings.map((f) => f.rule)).toEqual(['config-restore']);
      expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true, before: sha256(bytes), after: sha256(GOOD_CONFIG) });
      expect(report.exitCode).toBe(1);
      expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
      expect((await fs.stat(fx.configPath)).mode & 0o777).toBe(0o640);
      const evidence = await evidenceFiles(fx);
      expect(evidence).toHaveLength(1);
      expect(await fs.readFile(evidence[0]!, 'utf8')).toBe(bytes);
      expect(report.outcomes[0]!.message).toContain(evidence[0]!);
      // The broken bytes are also in the pre-repair snapshots.
      const pre = await fx.snapshots.list('pre-repair');
      expect(pre.some((e) => e.sha256 === sha256(bytes))).toBe(true);
      const repair = fx.events.find((e) => e.type === 'doctor.repair')!;
      expect(repair.details).toMatchObject({ before: sha256(bytes), after: sha256(GOOD_CONFIG), verified: true });
      expect(fx.events.some((e) => e.type === 'doctor.finding')).toBe(true);
    });
  }

  it('a service doctor refused for want of an evidence dir does not hold up the restore from last-known-good', async () => {
    // <state>/evidence unusable (a file in its place): the service's doctor is not run (its rotation could lose the
    // user's oldest backup copies), and the restore, which keeps its evidence beside the config, still happens.
    await recordGood(fx);
    const bytes = '{"name":"demo-gateway","host":"127.0.0.1","port":"18789"}';
    await fs.writeFile(fx.configPath, bytes);
    await fs.writeFile(`${fx.configPath}.bak`, GOOD_CONFIG);
    await fs.mkdir(fx.stateDir, { recursive: true });
    await fs.writeFile(path.join(fx.stateDir, 'evidence'), 'not a directory');
    const ran = path.join(fx.dir, 'doctor-ran');
    const script = await fx.script('doctor.mjs', `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(ran)}, 'yes');`);
    fx.withService({
      doctor: { command: [process.execPath, script] },
      configFile: { ...fx.service.configFile, backupGlobs: ['gateway.json.bak'] },
    });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, after: sha256(GOOD_CONFIG) });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    await expect(fs.stat(ran)).rejects.toThrow();
    expect(JSON.stringify(report.outcomes[0])).toContain("the service's doctor was not run");
  });

  it('config deleted: restored, and the outcome says there was nothing to keep', async () => {
    await recordGood(fx);
    await fs.rm(fx.configPath);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.exitCode).toBe(1);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    expect((await fs.stat(fx.configPath)).mode & 0o777).toBe(0o640); // the snapshot's recorded mode
    expect(await evidenceFiles(fx)).toHaveLength(0);
    expect(report.outcomes[0]!.message).toMatch(/deleted, so there was no broken file to keep/);
  });

  it('no snapshot and no backup: the finding stays, exit 2, the file is untouched', async () => {
    const bytes = '{"port": oops';
    await fs.writeFile(fx.configPath, bytes);
    const statBefore = await fs.stat(fx.configPath);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.exitCode).toBe(2);
    expect(report.findings[0]!.fixable).toBe(false);
    expect(report.findings[0]!.evidence).toContain(NO_LAST_KNOWN_GOOD);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(bytes);
    expect((await fs.stat(fx.configPath)).mtimeMs).toBe(statBefore.mtimeMs);
    expect(await evidenceFiles(fx)).toHaveLength(0);
  });

  it('snapshots that no longer validate are skipped; with none valid the file is left alone', async () => {
    await recordGood(fx, '{"port":"old-format"}\n');
    await fs.writeFile(fx.configPath, '{"port": oops');
    const rule = configRestoreRule();
    const [finding] = await rule.detect(fx.ctx());
    expect(finding!.fixable).toBe(true);
    const out = await rule.fix(fx.ctx(), finding!);
    expect(out.applied).toBe(false);
    expect(out.message).toContain(NO_LAST_KNOWN_GOOD);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe('{"port": oops');
  });

  it('uses the newest valid backupGlobs candidate when there is no snapshot', async () => {
    await fx.cleanup();
    fx = await makeFixture({}, { backupGlobs: ['gateway.json.bak*', '.last-good'] });
    const good = '{"name":"demo-gateway","host":"127.0.0.1","port":18790}\n';
    await fs.writeFile(path.join(fx.dir, 'gateway.json.bak1'), good);
    await fs.writeFile(path.join(fx.dir, 'gateway.json.bak2'), '{"port":"nope"}'); // newer but invalid
    const older = new Date(Date.now() - 60_000);
    await fs.utimes(path.join(fx.dir, 'gateway.json.bak1'), older, older);
    await fs.writeFile(fx.configPath, '');
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.exitCode).toBe(1);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(good);
    expect(report.outcomes[0]!.details!.source).toBe('backup');
    expect(report.outcomes[0]!.details!.tried).toEqual([expect.stringContaining('gateway.json.bak2: invalid')]);
    // The backups themselves are not touched.
    expect(await fs.readFile(path.join(fx.dir, 'gateway.json.bak2'), 'utf8')).toBe('{"port":"nope"}');
  });

  it('restores through a symlinked config into its target, keeping the link', async () => {
    await recordGood(fx);
    const real = path.join(fx.dir, 'real-gateway.json');
    await fs.writeFile(real, '{"port":');
    await fs.rm(fx.configPath);
    await fs.symlink(real, fx.configPath);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.exitCode).toBe(1);
    expect((await fs.lstat(fx.configPath)).isSymbolicLink()).toBe(true);
    expect(await fs.readFile(real, 'utf8')).toBe(GOOD_CONFIG);
  });

  it('a valid config yields no finding', async () => {
    await recordGood(fx);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report).toMatchObject({ findings: [], outcomes: [], exitCode: 0 });
  });
});
