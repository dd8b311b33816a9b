// The stale-pidfile rule keeps what it removes (as the stale-lock rule does): the journal held only its first 1000 chars.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { stalePidfileRule } from '../../src/doctor/rule-stale-pidfile.js';
import { lockEvidenceDir } from '../../src/doctor/rule-stale-lock.js';
import { spawnMarked } from '../helpers/processes.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('stale-pidfile rule evidence', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it('a removed pid file is kept whole under evidence/locks/<service>/ and the repair names the copy', { timeout: 30_000 }, async () => {
    const dead = spawnMarked(process.execPath, [path.join(FIXTURES, 'exit-with.mjs'), '0', '0']);
    await dead.waitForExit(10_000);
    const file = path.join(fx.dir, 'gw.pid');
    // A pid file with notes after the pid, longer than what the journal quotes.
    const bytes = `${dead.pid}\n${'started by gw; '.repeat(200)}\n`;
    await fs.writeFile(file, bytes);
    fx.withService({ pidFiles: [file] });
    const ctx = fx.ctx();

    const report = await runDoctor(ctx, { fix: true, rules: [stalePidfileRule()] });
    const outcome = report.outcomes.find((o) => o.finding.id === `stale-pidfile:${file}`);
    expect(outcome, JSON.stringify(report)).toMatchObject({ applied: true, verified: true });
    await expect(fs.access(file)).rejects.toThrow();
    const dir = lockEvidenceDir(ctx.stateDir, ctx.service.name);
    const kept = await fs.readdir(dir);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/-gw\.pid$/);
    expect(await fs.readFile(path.join(dir, kept[0]!), 'utf8')).toBe(bytes);
    expect(outcome!.message).toContain(`kept as ${path.join(dir, kept[0]!)}`);
  });
});
