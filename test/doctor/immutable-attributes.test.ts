// Inode attributes a permission check of the config file alone does not see: an immutable config directory (chattr +i
// on the directory, the file itself writable) and an append-only config file (chattr +a), which access(2) calls writable.
// Either is refused (up front where it can be seen) and a failed repair leaves nothing beside the user's file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

const BROKEN = '{"name":"demo-gateway","host":"127.0.0.1","port":"18789"}\n';

function chattr(flag: string, target: string): void {
  execFileSync('chattr', [flag, target], { stdio: 'pipe' });
}

describe('config-restore and immutable / append-only attributes', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
    await recordGood(fx);
    await fs.writeFile(fx.configPath, BROKEN);
  });
  afterEach(async () => {
    for (const target of [fx.dir, fx.configPath]) {
      try {
        chattr('-ia', target);
      } catch {
        // not set, or gone
      }
    }
    await fx.cleanup();
  });

  const beside = async (): Promise<string[]> => (await fs.readdir(fx.dir)).filter((n) => n !== 'state' && n !== 'validate-port.mjs' && n !== 'gateway.json');

  it('an immutable config directory (chattr +i): refused up front with the reason, nothing written', async () => {
    chattr('+i', fx.dir);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.findings[0]).toMatchObject({ rule: 'config-restore', fixable: false });
    expect(report.findings[0]!.fix).toMatch(/in a directory Clawback cannot write \(.*EPERM, read-only or immutable\)/);
    expect(report.outcomes).toHaveLength(0);
    expect(report.exitCode).toBe(2);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(BROKEN);
    expect(await beside()).toEqual([]);
  });

  it('an append-only config file (chattr +a): the refused rename leaves the file as it was and no stray evidence copy', async () => {
    chattr('+a', fx.configPath);
    for (let attempt = 0; attempt < 2; attempt++) {
      const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
      expect(report.exitCode).toBe(2);
      expect(report.outcomes[0]).toMatchObject({ applied: false, verified: false });
      expect(report.outcomes[0]!.message).toMatch(/EPERM/);
    }
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(BROKEN);
    expect(await beside()).toEqual([]);
    // The bytes are still kept, in the state dir: the pre-repair snapshot.
    expect((await fx.snapshots.list('pre-repair')).length).toBeGreaterThan(0);
  });
});
