// The service's own doctor rewrote the config, then the run was cut (the daemon's deadline, a stop, a person taking
// over) while it was still running: its write was rolled back and its version kept beside the config as evidence, yet
// the run recorded nothing (a *.corrupt-* file appeared with no word in the journal of what wrote it or why).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { serviceDoctorRule } from '../../src/doctor/rule-service-doctor.js';
import { GOOD_CONFIG, makeFixture, type DoctorFixture } from './doctor-fixtures.js';
import { waitFor } from '../helpers/processes.js';

describe("a run cut while the service's own doctor, which had written the config, still ran", () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('puts the config back and says so in a doctor.repair event (warning), naming the evidence file', async () => {
    const wrote = `${fx.configPath}.wrote`;
    // Migrates the config, says so, then hangs (bounded to 60 s should every cleanup miss it).
    const script = await fx.script(
      'migrating-doctor.mjs',
      `import { readFileSync, writeFileSync } from 'node:fs';\nconst c = JSON.parse(readFileSync(${JSON.stringify(fx.configPath)}, 'utf8'));\nc.migrated = true;\nwriteFileSync(${JSON.stringify(fx.configPath)}, JSON.stringify(c) + '\\n');\nwriteFileSync(${JSON.stringify(wrote)}, '');\nsetTimeout(() => process.exit(0), 60000);\n`,
    );
    fx.withService({ doctor: { command: [process.execPath, script], timeout: 60_000 } });
    const cut = new AbortController();
    const run = runDoctor(fx.ctx({ signal: cut.signal }), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    await waitFor(async () => fs.access(wrote).then(() => true, () => false), { timeoutMs: 15_000 });
    cut.abort();
    const report = await run;
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    const evidence = (await fs.readdir(fx.dir)).filter((f) => f.startsWith('gateway.json.corrupt-'));
    expect(evidence).toHaveLength(1);
    const said = fx.events.filter((e) => e.type === 'doctor.repair');
    expect(said).toHaveLength(1);
    expect(said[0]!.severity).toBe('warning');
    expect(said[0]!.message).toContain('rolled back');
    expect(said[0]!.message).toContain(evidence[0]!);
    expect(said[0]!.details).toMatchObject({ rolledBack: true, applied: false, verified: false });
    expect(report.outcomes).toHaveLength(1);
  }, 30_000);
});
