// A file of hundreds of MB under a lock glob (a bare pid on its first line) was read whole into memory and copied into
// the state dir as "evidence" (200 MB: 483 MB RSS, a 16 MiB state dir filled): a lock is small, a big file is not judged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { staleLockRule, lockEvidenceDir } from '../../src/doctor/rule-stale-lock.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('stale-lock rule and a huge file under the lock glob', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('a 1 MiB sparse file naming a dead pid on its first line: not judged, not copied, left in place; a real stale lock beside it still is', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const dir = path.join(fx.dir, 'run');
    await fs.mkdir(dir);
    const big = path.join(dir, 'gateway.big.lock');
    await fs.writeFile(big, `${dead}\n`);
    await fs.truncate(big, 1024 * 1024); // sparse: no disk used
    const small = path.join(dir, 'gateway.small.lock');
    await fs.writeFile(small, `${dead}\n`);
    fx.withService({ lockFiles: [path.join(dir, 'gateway.*.lock')] });

    const report = await runDoctor(fx.ctx(), { fix: true, rules: [staleLockRule()] });
    expect(report.findings.map((f) => f.id)).toEqual([`stale-lock:${small}`]);
    expect((await fs.stat(big)).size).toBe(1024 * 1024);
    const kept = await fs.readdir(lockEvidenceDir(fx.stateDir, 'gateway'));
    expect(kept).toHaveLength(1);
    expect((await fs.stat(path.join(lockEvidenceDir(fx.stateDir, 'gateway'), kept[0]!))).size).toBeLessThan(100);
  }, 30_000);
});
