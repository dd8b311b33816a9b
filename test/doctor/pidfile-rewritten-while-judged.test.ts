// A pid file rewritten by a starting instance while the doctor judged its old owner is left alone (do no harm).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { stalePidfileRule } from '../../src/doctor/rule-stale-pidfile.js';
import { spawnMarked } from '../helpers/processes.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('stale-pidfile rule, file rewritten during the judgement', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it('does not remove a pid file that now names a live instance', { timeout: 30_000 }, async () => {
    const dead = spawnMarked(process.execPath, [path.join(FIXTURES, 'exit-with.mjs'), '0', '0']);
    await dead.waitForExit(10_000);
    const file = path.join(fx.dir, 'gateway.pid');
    await fs.writeFile(file, `${dead.pid}\n`);
    fx.withService({ pidFiles: [file] });
    const liveText = `${process.pid}\n`;
    let calls = 0;
    // The nested-namespace look-up runs while the fix judges the old owner: a new instance writes its pid meanwhile.
    const nested = (): number | undefined => {
      calls++;
      if (calls === 2) writeFileSync(file, liveText);
      return undefined;
    };
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [stalePidfileRule({ nested })] });
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(await fs.readFile(file, 'utf8')).toBe(liveText);
    const fix = report.outcomes.find((f) => f.finding.id === `stale-pidfile:${file}`);
    expect(fix?.applied).toBe(false);
    expect(fix?.message).toContain('changed while being judged');
  });
});
