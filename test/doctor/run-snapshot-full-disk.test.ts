// The run's belt-and-braces copy of the config could not be written (the state dir's disk is full): that refused the
// first fixable repair of the run whatever it was (a stale pid file, which touches no config) and let every later one
// through. A repair that writes the config keeps its own pre-repair snapshot and refuses without it; the others go on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { stalePidfileRule } from '../../src/doctor/rule-stale-pidfile.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { SnapshotStore } from '../../src/doctor/snapshot-store.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { GOOD_CONFIG, makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** A pid that ran and exited (reaped), so nothing holds it now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('runDoctor with a state dir on a full disk', () => {
  let fx: DoctorFixture;
  let disk: SmallDisk;
  beforeEach(async () => {
    fx = await makeFixture();
    disk = mountSmallDisk('1m');
  });
  afterEach(async () => {
    disk.unmount();
    await fx.cleanup();
  });

  it('stale pid files are still removed (each of them); a config repair still refuses without its own snapshot', async () => {
    const pids = [path.join(fx.dir, 'a.pid'), path.join(fx.dir, 'b.pid')];
    for (const p of pids) await fs.writeFile(p, `${deadPid()}\n`);
    fx.withService({ pidFiles: pids });
    const stateDir = path.join(disk.dir, 'state');
    const snapshots = new SnapshotStore(path.join(stateDir, 'snapshots', fx.service.name), { keep: 5, clock: fx.clock });
    await snapshots.save(Buffer.from(GOOD_CONFIG), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good' });
    const broken = '{"name":"demo-gateway","host":"127.0.0.1","port":"18789"}\n';
    await fs.writeFile(fx.configPath, broken);
    disk.fill();

    const report = await runDoctor(fx.ctx({ stateDir, snapshots }), { fix: true, rules: [stalePidfileRule(), configRestoreRule()] });
    const byRule = (rule: string) => report.outcomes.filter((o) => o.finding.rule === rule);
    expect(byRule('stale-pidfile').map((o) => [o.applied, o.verified])).toEqual([[true, true], [true, true]]);
    for (const p of pids) await expect(fs.access(p)).rejects.toThrow();
    // The config repair could not keep the broken bytes in the state dir: it wrote nothing.
    expect(byRule('config-restore')).toHaveLength(1);
    expect(byRule('config-restore')[0]).toMatchObject({ applied: false, verified: false });
    expect(byRule('config-restore')[0]!.message).toMatch(/ENOSPC/);
    // Which copy could not be written where: "fix failed: ENOSPC: no space left on device, write" named neither.
    expect(byRule('config-restore')[0]!.message).toContain(`could not save a pre-repair copy of ${fx.configPath} in ${snapshots.dir}`);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(broken);
    expect(report.exitCode).toBe(2);
  });

  it('a copy whose index entry could not be written is not left behind, listed nowhere', async () => {
    const stateDir = path.join(disk.dir, 'state');
    const snapshots = new SnapshotStore(path.join(stateDir, 'snapshots', fx.service.name), { keep: 5, clock: fx.clock });
    await snapshots.save(Buffer.from(GOOD_CONFIG), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good' });
    const before = (await fs.readdir(snapshots.dir)).sort();
    // Room for the small copy (one page), none for the index's temp file after it.
    disk.fill(4096);
    const err = await snapshots.save(Buffer.from('{"broken":\n'), { sourcePath: fx.configPath, reason: 'test', kind: 'pre-repair' }).catch((e: NodeJS.ErrnoException) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect((err as Error).message).toContain(fx.configPath);
    expect((await fs.readdir(snapshots.dir)).sort()).toEqual(before);
    expect((await snapshots.list()).map((e) => e.kind)).toEqual(['last-known-good']);
  });
});
