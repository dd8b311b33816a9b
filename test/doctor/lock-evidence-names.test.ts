// Two stale locks of one name in two directories, removed within one clock reading: each keeps its own copy as evidence
// (the second copy was written over the first, and the first lock's bytes were lost).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { staleLockRule, lockEvidenceDir } from '../../src/doctor/rule-stale-lock.js';
import { FakeClock } from '../../src/platform/clock.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('stale-lock evidence names', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('two locks named alike in two run dirs, removed at one clock reading: both copies kept, neither overwritten', async () => {
    // A process that has exited: its pid names nobody (a real, finished process).
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const locks = ['a', 'b'].map((d) => path.join(fx.dir, 'run', d, 'gateway.lock'));
    const bytes = locks.map((l, i) => `{"pid":${dead},"createdAt":"2026-01-01T00:00:0${i}Z","dir":"${path.basename(path.dirname(l))}"}`);
    for (const [i, l] of locks.entries()) {
      await fs.mkdir(path.dirname(l), { recursive: true });
      await fs.writeFile(l, bytes[i]!);
    }
    fx.withService({ lockFiles: [path.join(fx.dir, 'run', '*', 'gateway.lock')] });
    const clock = new FakeClock(Date.parse('2026-12-04T19:00:00Z'));

    const report = await runDoctor(fx.ctx({ clock }), { fix: true, rules: [staleLockRule()] });
    expect(report.outcomes.map((o) => o.applied)).toEqual([true, true]);
    for (const l of locks) await expect(fs.access(l)).rejects.toThrow();
    const dir = lockEvidenceDir(fx.stateDir, 'gateway');
    const kept = (await fs.readdir(dir)).sort();
    expect(kept).toHaveLength(2);
    expect((await Promise.all(kept.map((k) => fs.readFile(path.join(dir, k), 'utf8')))).sort()).toEqual([...bytes].sort());
    // Each outcome names its own copy.
    expect(new Set(report.outcomes.map((o) => o.details!.evidence)).size).toBe(2);
  }, 30_000);
});
