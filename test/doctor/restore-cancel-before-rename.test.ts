// A cancel (the reducer's doctor deadline, `clawback stop`) landing after the restore walk chose a copy but before the
// rename still wrote the copy over the config, and the outcome said "restored ..." (applied) for a run that had been cut.
// Now the cancel wins up to the rename: nothing is written, no evidence of bytes still in place is left beside the file,
// and the outcome says the copy was chosen but not written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';
import type { Clock } from '../../src/platform/clock.js';

describe('config restore cancelled between the choice and the rename', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({}, { backupGlobs: ['gateway.json.bak*'] });
  });
  afterEach(() => fx.cleanup());

  it('writes nothing, keeps no evidence and says the chosen copy was not written', async () => {
    const good = '{"name":"demo-gateway","port":18789}\n';
    await fs.writeFile(`${fx.configPath}.bak`, good);
    const broken = '{"name":"demo-gateway","port":"oops"}\n';
    await fs.writeFile(fx.configPath, broken);

    // The cancel lands at the first step after the choice: the clock read that stamps the broken file's evidence (the
    // injected clock is the one hook there; everything else is the real rule on real files with the real validator).
    const ac = new AbortController();
    const clock: Clock = {
      ...fx.clock,
      now: () => {
        if (new Error().stack?.includes('keepEvidenceOnce')) ac.abort();
        return fx.clock.now();
      },
    };
    const report = await runDoctor(fx.ctx({ signal: ac.signal, clock }), { fix: true, rules: [configRestoreRule()] });
    expect(ac.signal.aborted).toBe(true);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(broken);
    const o = report.outcomes.find((x) => x.details?.method === 'restore')!;
    expect(o).toMatchObject({ applied: false, verified: false, details: { cut: true, chosenNotWritten: `${fx.configPath}.bak` } });
    expect(o.message).toContain('was chosen but not written');
    expect(o.message).toContain(`${fx.configPath} left untouched`);
    // Nothing left beside the config: no evidence of bytes still in place, no temp file.
    const beside = (await fs.readdir(fx.dir)).filter((n) => n.startsWith(path.basename(fx.configPath)));
    expect(beside.sort()).toEqual(['gateway.json', 'gateway.json.bak']);
    expect(fx.events.some((e) => e.type === 'doctor.repair' && e.message.includes('restore cut short'))).toBe(true);
  }, 60_000);

  it('a run not cancelled still restores (the check costs nothing when there is no cancel)', async () => {
    const good = '{"name":"demo-gateway","port":18789}\n';
    await fs.writeFile(`${fx.configPath}.bak`, good);
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","port":"oops"}\n');
    const ac = new AbortController();
    const report = await runDoctor(fx.ctx({ signal: ac.signal }), { fix: true, rules: [configRestoreRule()] });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(good);
    expect(report.outcomes.find((x) => x.details?.method === 'restore')).toMatchObject({ applied: true, verified: true });
  }, 60_000);
});
