// A service doctor killed at doctor.timeout: the answer itself (not only the journal's details) says it was cut and what that means.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { serviceDoctorRule } from '../../src/doctor/rule-service-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** A doctor that never finishes (bounded to 60 s should every cleanup miss it). */
const HANGING = `setTimeout(() => process.exit(0), 60000);`;

describe('a service doctor cut at its timeout', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('config-restore: the answer says the doctor was cut, at what bound, and what to do', async () => {
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","host":"127.0.0.1","port":"x"}\n');
    const script = await fx.script('hanging-doctor.mjs', HANGING);
    fx.withService({ doctor: { command: [process.execPath, script], timeout: 1000 } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(false);
    expect(out.message).toMatch(/was cut at its time limit \(doctor\.timeout 1\.0s\) before it finished: its repair is unfinished and not trusted/);
    expect(out.message).toContain('raise doctor.timeout');
    expect(out.details?.serviceDoctorCut).toEqual(expect.stringContaining('doctor.timeout 1.0s'));
  }, 30_000);

  it('service-doctor rule: the answer leads with the cut', async () => {
    const script = await fx.script('hanging-doctor.mjs', HANGING);
    fx.withService({ doctor: { command: [process.execPath, script], timeout: 1000 } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(false);
    expect(out.message).toMatch(/^the service's own doctor \(`.*hanging-doctor\.mjs`\) was cut at its time limit \(doctor\.timeout 1\.0s\)/);
    expect(out.details?.serviceDoctorCut).toEqual(expect.stringContaining('raise doctor.timeout'));
  }, 30_000);
});
