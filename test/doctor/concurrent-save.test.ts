// A repair is prepared over seconds (each validator run is a process): a user who saves the config meanwhile keeps their
// save. Here the "user" is a real process (the validator itself) renaming a new file over the config mid-repair.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { runGuardedServiceDoctor } from '../../src/doctor/guarded-service-doctor.js';
import { GOOD_CONFIG, makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

const USER_SAVE = '{"name":"demo-gateway","host":"127.0.0.1","port":19000}\n';

/**
 * Validates argv[2] (integer port, no keys but name/host/port, named as "KEY: unknown key"); when `when(file, cfg)` holds,
 * first "saves" the user's new config over the live one, as an editor does (write beside, rename), once.
 */
const validator = (when: string): string => `import { readFileSync, renameSync, existsSync } from 'node:fs';
import path from 'node:path';
const file = path.resolve(process.argv[2]);
const live = ${JSON.stringify('LIVE')};
const pending = path.join(path.dirname(live), 'user-save.json');
const text = readFileSync(file, 'utf8');
let cfg; try { cfg = JSON.parse(text); } catch (e) { process.stderr.write('unparseable\\n'); process.exit(1); }
if (existsSync(pending) && (${when})) renameSync(pending, live);
const extra = Object.keys(cfg).filter((k) => !['name', 'host', 'port'].includes(k));
if (extra.length > 0) { for (const k of extra) process.stderr.write(k + ': unknown key\\n'); process.exit(1); }
if (!Number.isInteger(cfg.port)) { process.stderr.write('port must be an integer\\n'); process.exit(1); }
`;

describe('a user saving the config while a repair is prepared keeps their save', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  async function useValidator(when: string): Promise<void> {
    const script = await fx.script('validate-and-save.mjs', validator(when).replace('"LIVE"', JSON.stringify(fx.configPath)));
    await fs.writeFile(path.join(fx.dir, 'user-save.json'), USER_SAVE);
    fx.withService({ configFile: { ...fx.service.configFile!, validateCommand: [process.execPath, script, '{file}'], protect: ['port'] } });
  }

  const evidence = async (): Promise<string[]> => (await fs.readdir(fx.dir)).filter((n) => n.startsWith('gateway.json.corrupt-'));

  it('whole-file restore: the save made while a candidate was being validated is not overwritten', async () => {
    await recordGood(fx);
    await fs.writeFile(fx.configPath, GOOD_CONFIG.slice(0, 25));
    await useValidator('file !== live');
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(USER_SAVE);
    expect(report.outcomes[0]).toMatchObject({ applied: false, verified: true });
    expect(report.outcomes[0]!.message).toContain('changed while the repair was being prepared');
    expect(await evidence()).toEqual([]);
  });

  it('removing the named keys: the save made while the trimmed file was being validated is not overwritten', async () => {
    await useValidator('file !== live');
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","host":"127.0.0.1","port":18789,"bogus":1}\n');
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(USER_SAVE);
    expect(report.outcomes[0]).toMatchObject({ applied: false, verified: true });
    expect(report.exitCode).toBe(1);
  });

  it("the service doctor's rollback does not land on a save made after the doctor finished", async () => {
    // The service's doctor changes the protected port (a reason to roll back); the user saves while that result is checked.
    const doctor = await fx.script('doctor.mjs', `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(fx.configPath)}, '{"name":"demo-gateway","host":"127.0.0.1","port":1}\\n');\n`);
    await useValidator('file === live && cfg.port === 1');
    fx.withService({ doctor: { command: [process.execPath, doctor] } });
    const g = await runGuardedServiceDoctor(fx.ctx({ validity: new Map() }));
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(USER_SAVE);
    expect(g).toMatchObject({ rolledBack: false, changedMeanwhile: true });
    expect(g.message).toContain('not rolled back');
  });
});
