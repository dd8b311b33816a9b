// A crash storm rewriting different garbage into a config every few seconds kept one `.corrupt-*` copy per repair,
// bounded only by age (30 days): 12 repairs of 270 KB garbage kept 13 copies, 3.2 MB. The copies beside a file are
// bounded by count and bytes once a repair is written, the newest (the one it names) always kept, the removed named.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { EVIDENCE_BOUND, evidenceOverBound } from '../../src/doctor/safe-user-write.js';
import { GOOD_CONFIG, makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

async function copies(fx: DoctorFixture): Promise<Array<{ name: string; size: number }>> {
  const names = (await fs.readdir(fx.dir)).filter((n) => n.startsWith('gateway.json.corrupt-'));
  return Promise.all(names.map(async (name) => ({ name, size: (await fs.stat(path.join(fx.dir, name))).size })));
}

describe('evidence copies of a config in a crash storm', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('30 repairs of different garbage keep at most the bound, the newest always, and name what they removed', async () => {
    await recordGood(fx);
    const removedNamed: string[] = [];
    let last = '';
    for (let i = 0; i < EVIDENCE_BOUND.copies + 10; i++) {
      last = `garbage ${i} ${randomBytes(64).toString('base64')}`;
      await fs.writeFile(fx.configPath, last);
      const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
      const o = report.outcomes[0]!;
      expect(o).toMatchObject({ applied: true, verified: true });
      expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
      const pruned = (o.details as { prunedEvidence?: string[] }).prunedEvidence ?? [];
      if (pruned.length > 0) expect(o.message).toContain(`removed to stay within ${EVIDENCE_BOUND.copies} copies`);
      removedNamed.push(...pruned);
      // The copy this repair names is there and holds this repair's broken bytes.
      const kept = /the broken file is kept at (\S+?)(?:;|$)/.exec(o.message)?.[1];
      expect(kept, o.message).toBeDefined();
      expect(await fs.readFile(kept!, 'utf8')).toBe(last);
    }
    const left = await copies(fx);
    expect(left).toHaveLength(EVIDENCE_BOUND.copies);
    expect(removedNamed).toHaveLength(10);
    for (const p of removedNamed) await expect(fs.stat(p)).rejects.toThrow();
  });

  it('the bytes bound holds too, and the newest copy is kept even when it alone is over it', () => {
    const c = (name: string, mtimeMs: number, size: number) => ({ name, mtimeMs, size });
    const all = [c('a', 1, 600), c('b', 2, 600), c('c', 3, 600), c('d', 4, 5000)];
    expect(evidenceOverBound(all, 'c', { copies: 10, bytes: 1500 }).sort()).toEqual(['a', 'b', 'd']);
    expect(evidenceOverBound(all.slice(0, 3), 'c', { copies: 10, bytes: 1500 })).toEqual(['a']);
    expect(evidenceOverBound(all, 'd', { copies: 10, bytes: 1500 }).sort()).toEqual(['a', 'b', 'c']);
    expect(evidenceOverBound(all, 'd', { copies: 2, bytes: 1e9 }).sort()).toEqual(['a', 'b']);
  });
});
