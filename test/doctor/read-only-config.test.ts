// A config that is not Clawback's to write (a Nix store link, chmod a-w, OPENCLAW_CONFIG_READONLY / OPENCLAW_NIX_MODE)
// is reported with where to change it, never rewritten, and no repair is half-done (no evidence file, no crash text).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { GOOD_CONFIG, makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

const BROKEN = '{"name":"demo-gateway","host":"127.0.0.1","port":"18789"}\n';

describe('config-restore and a config that is not ours to write', () => {
  let fx: DoctorFixture;
  let disk: SmallDisk | undefined;
  let bound: string | undefined;
  beforeEach(async () => {
    fx = await makeFixture();
    await recordGood(fx);
  });
  afterEach(async () => {
    disk?.unmount();
    disk = undefined;
    if (bound) execFileSync('umount', [bound], { stdio: 'pipe' });
    bound = undefined;
    await fx.cleanup();
  });

  async function expectUntouched(dir: string, file: string, why: RegExp): Promise<void> {
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.findings[0]).toMatchObject({ rule: 'config-restore', fixable: false });
    expect(report.findings[0]!.fix).toMatch(why);
    expect(report.outcomes).toHaveLength(0);
    expect(report.exitCode).toBe(2);
    expect(await fs.readFile(file, 'utf8')).toBe(BROKEN);
    expect((await fs.readdir(dir)).filter((n) => n.includes('.corrupt-'))).toEqual([]);
  }

  it('a read-only file (chmod 0444): not rewritten, the finding says why', async () => {
    await fs.writeFile(fx.configPath, BROKEN);
    await fs.chmod(fx.configPath, 0o444);
    await expectUntouched(fx.dir, fx.configPath, /is read-only \(mode 0444\)/);
    expect((await fs.stat(fx.configPath)).mode & 0o777).toBe(0o444);
  });

  it('a link into a read-only file system (the Nix store): not repaired, no EROFS half-way', async () => {
    disk = mountSmallDisk('1m');
    const target = path.join(disk.dir, 'gateway.json');
    await fs.writeFile(target, BROKEN, { mode: 0o644 });
    execFileSync('mount', ['-o', 'remount,ro', disk.dir], { stdio: 'pipe' });
    await fs.rm(fx.configPath);
    await fs.symlink(target, fx.configPath);
    await expectUntouched(disk.dir, fx.configPath, /read-only file system/);
    expect((await fs.lstat(fx.configPath)).isSymbolicLink()).toBe(true);
  });

  it('a hard-linked file (a dotfiles repo linked with ln): not split from its other name by a rename, the finding says why', async () => {
    const source = path.join(fx.dir, 'dotfiles', 'gateway.json');
    await fs.mkdir(path.dirname(source));
    await fs.writeFile(source, BROKEN);
    await fs.rm(fx.configPath);
    await fs.link(source, fx.configPath);
    await expectUntouched(fx.dir, fx.configPath, /has 2 hard links/);
    expect((await fs.stat(fx.configPath)).ino).toBe((await fs.stat(source)).ino);
    expect((await fs.stat(source)).nlink).toBe(2);
  });

  it('a file bind-mounted into place (a container volume), under a name with a space: not repaired, no EBUSY half-way', async () => {
    const source = path.join(fx.dir, 'volume', 'gateway.json');
    await fs.mkdir(path.dirname(source));
    await fs.writeFile(source, BROKEN);
    const mounted = path.join(fx.dir, 'my gateway.json');
    await fs.writeFile(mounted, '');
    execFileSync('mount', ['--bind', source, mounted], { stdio: 'pipe' });
    bound = mounted;
    fx.withService({ configFile: { ...fx.service.configFile!, path: mounted } });
    await fx.snapshots.save(Buffer.from(GOOD_CONFIG), { sourcePath: mounted, reason: 'test', kind: 'last-known-good', mode: 0o640 });
    await expectUntouched(fx.dir, mounted, /is a mount point/);
    expect(await fs.readFile(source, 'utf8')).toBe(BROKEN);
  });

  for (const marker of ['OPENCLAW_CONFIG_READONLY', 'OPENCLAW_NIX_MODE']) {
    it(`${marker}=1 in the service's env: the service declares its config immutable, so it is not rewritten`, async () => {
      fx.withService({ env: { ...fx.service.env, [marker]: '1' } });
      await fs.writeFile(fx.configPath, BROKEN);
      await expectUntouched(fx.dir, fx.configPath, new RegExp(`${marker}=1: the service treats .* as immutable`));
    });
  }

  it('a writable config is still repaired (the guard blocks nothing else)', async () => {
    await fs.writeFile(fx.configPath, BROKEN);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
  });
});
