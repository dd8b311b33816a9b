// The restore walk is bounded in count (RESTORE_VALIDATIONS_MAX) and in memory, and in time by the run's cancellation:
// cancelled (the reducer's doctor deadline, a stop), it went on reading every copy left (300 unparseable 15 MiB copies:
// 10 s after the cut, the repair lock held), and the journal said nothing of it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { takeRepairLock } from '../../src/doctor/repair-lock.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('config-restore walk cancelled between copies', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({}, { backupGlobs: ['gateway.json.bak*'] });
  });
  afterEach(() => fx.cleanup());

  it('stops at the cut, says how many copies it did not try, leaves the file untouched and releases the lock', async () => {
    // A slow validator (OpenClaw's takes seconds): it marks that it runs on the copy it is slow on, then sleeps.
    const started = path.join(fx.dir, 'slow-started');
    const slow = await fx.script(
      'validate-slow.mjs',
      `import { readFileSync, writeFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
if (cfg.port === 'slow') { writeFileSync(${JSON.stringify(started)}, 'x'); setTimeout(() => process.exit(1), 30_000); }
else if (!Number.isInteger(cfg.port)) { process.stderr.write('port must be an integer\\n'); process.exit(1); }
`,
    );
    fx.withService({ configFile: { ...fx.service.configFile, validateCommand: [process.execPath, slow, '{file}'] } });
    const now = Date.now();
    const at = async (file: string, body: string, ageMin: number): Promise<void> => {
      await fs.writeFile(file, body);
      const t = new Date(now - ageMin * 60_000);
      await fs.utimes(file, t, t);
    };
    await at(`${fx.configPath}.bak.000`, '{"name":"demo-gateway","port":"slow"}\n', 1);
    for (let i = 1; i <= 40; i++) await at(`${fx.configPath}.bak.${String(i).padStart(3, '0')}`, '{"name":"demo-gateway","port":18', 1 + i);
    await at(`${fx.configPath}.bak.zzz`, '{"name":"demo-gateway","port":18789}\n', 100);
    const broken = '{"name":"demo-gateway","port":"oops"}\n';
    await fs.writeFile(fx.configPath, broken);

    const ac = new AbortController();
    const watch = setInterval(() => {
      if (existsSync(started)) ac.abort();
    }, 20);
    let report;
    try {
      report = await runDoctor(fx.ctx({ signal: ac.signal }), { fix: true, rules: [configRestoreRule()] });
    } finally {
      clearInterval(watch);
    }
    expect(ac.signal.aborted).toBe(true);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(broken);
    const o = report.outcomes[0]!;
    expect(o).toMatchObject({ applied: false, verified: false, details: { cut: true, untried: 41 } });
    // Only the copy the cut came during was judged: the 41 older ones were neither read nor validated.
    expect((o.details as { candidates: unknown[] }).candidates).toHaveLength(1);
    expect(o.message).toContain('restore cut short');
    expect(o.message).toContain('after 1 of 42 candidate copies, 41 not tried');
    expect(o.message).toContain(`${fx.configPath} left untouched`);
    // Said in the journal, not only returned.
    expect(fx.events.some((e) => e.type === 'doctor.repair' && e.message.includes('restore cut short'))).toBe(true);
    const lock = await takeRepairLock(fx.stateDir, fx.service.name, { clock: fx.clock, waitMs: 0, configPath: fx.configPath });
    expect(lock.ok).toBe(true);
    if (lock.ok) await lock.release();
  }, 60_000);
});
