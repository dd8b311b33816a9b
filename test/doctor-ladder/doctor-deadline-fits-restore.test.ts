// The reducer's deadline for a doctor run was doctor.timeout + 120 s whatever the validator: with OpenClaw-like validator
// runs of 15 s (doctor.timeout 1s) the daemon cut the restore at 2m1s after 7 of its 13 copies and sent the service to a
// human ("the doctor did not finish within 2m1s"), while a second `doctor --fix` waited 5 min for the same run's lock.
import { describe, expect, it } from 'vitest';
import { serviceSchema } from '../../src/config/schema.js';
import { DOCTOR_DEADLINE_SLACK_MS, policyFor } from '../../src/decide/policy.js';
import { repairLockWaitMs } from '../../src/doctor/run-doctor.js';
import { RESTORE_VALIDATIONS_MAX } from '../../src/doctor/rule-config-restore.js';
import { followBoundMs } from '../../src/cli/doctor-via-daemon.js';

const service = (configFile: Record<string, unknown>) =>
  serviceSchema.parse({ name: 'gw', command: ['node', 'server.mjs'], doctor: { timeout: '1s' }, configFile: { path: '/tmp/gw.json', format: 'json', backupGlobs: ['gw.json.bak*'], ...configFile } });

describe("the daemon's doctor deadline", () => {
  it('fits every validator run a pass may make (a 10-copy restore with a 15 s validator), as the repair lock wait does', () => {
    const s = service({ validateCommand: ['node', 'validate.mjs', '{file}'], validateTimeout: '15s' });
    const deadline = policyFor(s, { doctor: true, agent: false }).doctorTimeoutMs;
    // The broken file's check, the copies a restore validates, the verify: each may take validateTimeout.
    expect(deadline).toBeGreaterThan(s.doctor.timeout + (RESTORE_VALIDATIONS_MAX + 2) * 15_000);
    // A run the daemon holds the lock for is not cut before another run would stop waiting for it.
    expect(deadline).toBeGreaterThanOrEqual(repairLockWaitMs(s) - 15_000);
    // The CLI following a daemon's doctor run waits for that deadline too.
    expect(followBoundMs(s)).toBeGreaterThan(deadline);
  });

  it('is unchanged without a validator (nothing slow to count)', () => {
    const s = service({});
    expect(policyFor(s, { doctor: true, agent: false }).doctorTimeoutMs).toBe(s.doctor.timeout + DOCTOR_DEADLINE_SLACK_MS);
  });
});
