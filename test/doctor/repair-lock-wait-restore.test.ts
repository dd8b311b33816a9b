// A second repairing run waits for a holder that is validating up to RESTORE_VALIDATIONS_MAX backup copies with a slow
// validator: it used to give up after doctor.timeout + 2 validator runs + 15 s, while the holder could make 12.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { REPAIR_LOCK, runDoctor, repairLockWaitMs } from '../../src/doctor/run-doctor.js';
import { configRestoreRule, RESTORE_VALIDATIONS_MAX } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('the repair lock wait vs a bounded restore', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({}, { backupGlobs: ['gateway.json.bak*'] });
  });
  afterEach(() => fx.cleanup());

  it('a second run still waits while the holder validates 10 invalid backups with a 2.5 s validator', async () => {
    const slow = await fx.script(
      'validate-slow.mjs',
      `import { readFileSync } from 'node:fs';
await new Promise((r) => setTimeout(r, 2500));
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
if (!Number.isInteger(cfg.port)) { process.stderr.write('port must be an integer\\n'); process.exit(1); }
`,
    );
    fx.withService({ doctor: { ...fx.service.doctor, timeout: 1 }, configFile: { ...fx.service.configFile, validateCommand: [process.execPath, slow, '{file}'], validateTimeout: 3000 } });
    const now = Date.now();
    for (let i = 1; i <= RESTORE_VALIDATIONS_MAX + 2; i++) {
      const file = `${fx.configPath}.bak.${i}`;
      await fs.writeFile(file, `{"name":"demo-gateway","port":"bad-${i}"}\n`);
      const t = new Date(now - i * 60_000);
      await fs.utimes(file, t, t);
    }
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","port":"oops"}\n');

    const started = fx.clock.monotonic();
    let holderMs = 0;
    const holder = runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] }).then((r) => {
      holderMs = fx.clock.monotonic() - started;
      return r;
    });
    // The holder has the lock once its first validator run is under way.
    const lock = path.join(fx.stateDir, 'locks', 'doctor-gateway.lock');
    for (let i = 0; i < 100 && !(await fs.stat(lock).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 20));
    let told = false;
    const second = await runDoctor(fx.ctx(), { fix: true, rules: [], onLockWait: () => (told = true) });
    const first = await holder;

    expect(told).toBe(true);
    expect(second.findings.map((f) => f.rule)).not.toContain(REPAIR_LOCK);
    expect(first.outcomes[0]).toMatchObject({ applied: false });
    expect(holderMs).toBeGreaterThan(2 * 3000 + 1 + 15_000);
    expect(repairLockWaitMs(fx.service)).toBeGreaterThan(holderMs);
  }, 120_000);
});
