// The disk-space rule's compressed logs are bounded by logs.keep: on a box that stays nearly full, each run added more.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { diskSpaceRule } from '../../src/doctor/rule-disk-space.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('disk-space rule on a volume that stays nearly full', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('keeps the newest logs.keep compressed logs of the service, dated like their logs; the live log and other files stay', { timeout: 30_000 }, async () => {
    fx.withService({ logs: { keep: 2 } });
    const logs = path.join(fx.stateDir, 'logs');
    await fs.mkdir(logs, { recursive: true });
    await fs.writeFile(path.join(logs, 'gateway.log'), 'live\n');
    await fs.writeFile(path.join(logs, 'other.log.1.gz'), 'not ours');
    // "Nearly full" by threshold: every volume has less than MAX_SAFE_INTEGER bytes free.
    const rule = diskSpaceRule({ minFreeBytes: Number.MAX_SAFE_INTEGER });
    const hour = 3600_000;
    const base = Date.now() - 10 * hour;
    for (let round = 0; round < 4; round++) {
      // As the rotation leaves them: gateway.log.1 newest, gateway.log.2 older; each round later than the one before.
      for (const gen of [1, 2]) {
        const file = path.join(logs, `gateway.log.${gen}`);
        await fs.writeFile(file, `round ${round} generation ${gen}\n`.repeat(500));
        const t = new Date(base + round * hour - gen * 60_000);
        await fs.utimes(file, t, t);
      }
      const report = await runDoctor(fx.ctx(), { fix: true, rules: [rule] });
      expect(report.outcomes[0]!.applied).toBe(true);
    }
    const names = (await fs.readdir(logs)).sort();
    const gz = names.filter((n) => n.startsWith('gateway.log.') && n.endsWith('.gz'));
    expect(gz).toHaveLength(2);
    const contents = await Promise.all(gz.map(async (n) => gunzipSync(await fs.readFile(path.join(logs, n))).toString().split('\n')[0]));
    expect(contents.sort()).toEqual(['round 3 generation 1', 'round 3 generation 2']);
    expect(names).toContain('gateway.log');
    expect(names).toContain('other.log.1.gz');
    const last = fx.events.filter((e) => e.type === 'doctor.repair').at(-1)!;
    expect(last.message).toMatch(/removed 2 older compressed log\(s\) past logs\.keep \(2\)/);
  });
});
