// A protected setting inside a list ("**.*token" over hooks[0].token) is protected too: a repair that drops it is undone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { DOCTOR_ROLLED_BACK, serviceDoctorRule } from '../../src/doctor/rule-service-doctor.js';
import { protectedChanges, protectedValues } from '../../src/doctor/protected-settings.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('protected settings inside arrays', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('the array holding one is a protected value, compared whole', () => {
    const before = { hooks: [{ path: '/h', token: 'hook-secret' }], list: [1, 2], nested: [[{ apiToken: 'x' }]] };
    expect([...protectedValues(before, ['**.*token']).keys()]).toEqual(['hooks', 'nested']);
    expect(protectedChanges(before, { ...before, hooks: [{ path: '/h' }] }, ['**.*token'])).toEqual([{ path: 'hooks', change: 'removed' }]);
    expect(protectedChanges(before, { ...before, list: [1] }, ['**.*token'])).toEqual([]);
  });

  it("a service doctor that drops a token from a list is rolled back, the user's file kept", { timeout: 30_000 }, async () => {
    const start = '{"name":"demo-gateway","host":"127.0.0.1","port":18789,"hooks":[{"path":"/h","token":"hook-secret"}]}\n';
    await fs.writeFile(fx.configPath, start);
    const script = await fx.script(
      'drop-hook-token.mjs',
      `import { readFileSync, writeFileSync } from 'node:fs';
const c = JSON.parse(readFileSync(process.argv[2], 'utf8')); delete c.hooks[0].token; writeFileSync(process.argv[2], JSON.stringify(c));`,
    );
    fx.withService({ doctor: { command: [process.execPath, script, fx.configPath] }, configFile: { ...fx.service.configFile, protect: ['**.*token'] } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    const out = report.outcomes[0]!;
    expect(out.message).toContain(DOCTOR_ROLLED_BACK);
    expect(out.details).toMatchObject({ rolledBack: true });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(start);
  });
});
