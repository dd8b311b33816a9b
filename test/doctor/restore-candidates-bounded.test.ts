// A backup glob matching hundreds of rotated copies: the restore validates a bounded number of them, not every one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule, RESTORE_VALIDATIONS_MAX } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('config-restore with a long backup chain', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({}, { backupGlobs: ['gateway.json.bak*'] });
  });
  afterEach(() => fx.cleanup());

  it('runs the validator at most RESTORE_VALIDATIONS_MAX times over 40 invalid backups, and says how many it left untried', async () => {
    // The validator counts its runs in a file (one line each), then judges as the fixture's does.
    const runs = path.join(fx.dir, 'validator-runs');
    const counting = await fx.script(
      'validate-counting.mjs',
      `import { appendFileSync, readFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(runs)}, 'x\\n');
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
if (!Number.isInteger(cfg.port)) { process.stderr.write('port must be an integer\\n'); process.exit(1); }
`,
    );
    fx.withService({ configFile: { ...fx.service.configFile, validateCommand: [process.execPath, counting, '{file}'] } });
    const now = Date.now();
    for (let i = 1; i <= 40; i++) {
      const file = `${fx.configPath}.bak.${i}`;
      await fs.writeFile(file, `{"name":"demo-gateway","port":"bad-${i}"}\n`);
      const t = new Date(now - i * 60_000);
      await fs.utimes(file, t, t);
    }
    const broken = '{"name":"demo-gateway","port":"oops"}\n';
    await fs.writeFile(fx.configPath, broken);

    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const o = report.outcomes[0]!;
    expect(o.applied).toBe(false);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(broken);
    const count = (await fs.readFile(runs, 'utf8')).split('\n').filter(Boolean).length;
    // The broken file's own check (detect, and fix's look again) plus at most the bound for the copies.
    expect(count).toBeLessThanOrEqual(RESTORE_VALIDATIONS_MAX + 2);
    expect(o.message).toContain(`${40 - RESTORE_VALIDATIONS_MAX} older copies not tried (a repair validates at most ${RESTORE_VALIDATIONS_MAX})`);
    expect(o.details).toMatchObject({ untried: 40 - RESTORE_VALIDATIONS_MAX });
    expect((o.details as { candidates: unknown[] }).candidates).toHaveLength(RESTORE_VALIDATIONS_MAX);
  }, 60_000);

  it('still restores from the newest valid backup within the bound', async () => {
    const now = Date.now();
    for (let i = 1; i <= 20; i++) {
      const file = `${fx.configPath}.bak.${i}`;
      await fs.writeFile(file, i === 3 ? '{"name":"demo-gateway","port":18789}\n' : `{"name":"demo-gateway","port":"bad-${i}"}\n`);
      const t = new Date(now - i * 60_000);
      await fs.utimes(file, t, t);
    }
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","port":"oops"}\n');
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe('{"name":"demo-gateway","port":18789}\n');
  }, 60_000);
});
