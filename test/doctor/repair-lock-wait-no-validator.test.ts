// repairLockWaitMs counted REPAIR_VALIDATIONS_MAX validator runs of validateTimeout (30 s by default) even for a config
// with no validateCommand, where none runs: a second `doctor --fix` said "waiting ... (up to 675 s)" for a holder that
// can hold 105 s, and the reducer's deadline (repairValidationsMs) counts 0 there. The bound is now the holder's own.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPAIR_LOCK, runDoctor, repairLockWaitMs } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { REPAIR_VALIDATIONS_MAX } from '../../src/doctor/repair-bounds.js';
import { takeRepairLock } from '../../src/doctor/repair-lock.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('the repair lock wait without a validator', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({ doctor: { timeout: '1s' } }, { validate: false });
  });
  afterEach(() => fx.cleanup());

  it('counts no validator runs when none is configured, and the validator runs when one is', () => {
    expect(fx.service.configFile?.validateCommand).toBeUndefined();
    expect(repairLockWaitMs(fx.service)).toBe(fx.service.doctor.timeout + 15_000);
    fx.withService({ configFile: { ...fx.service.configFile, validateCommand: [process.execPath, fx.validator, '{file}'], validateTimeout: '2s' } });
    expect(repairLockWaitMs(fx.service)).toBe(fx.service.doctor.timeout + REPAIR_VALIDATIONS_MAX * 2000 + 15_000);
  });

  it('a waiter gives up on a holder when the holder could no longer be holding, not minutes later', async () => {
    const held = await takeRepairLock(fx.stateDir, fx.service.name, { clock: fx.clock, waitMs: 0, configPath: fx.configPath });
    expect(held.ok).toBe(true);
    try {
      const t0 = Date.now();
      const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
      const waited = Date.now() - t0;
      expect(report.findings.map((f) => f.rule)).toEqual([REPAIR_LOCK]);
      expect(report.findings[0]!.evidence).toContain('after 16 s');
      expect(waited).toBeLessThan(30_000);
    } finally {
      if (held.ok) await held.release();
    }
  }, 60_000);
});
