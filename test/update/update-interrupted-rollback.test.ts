// A daemon SIGKILLed during an update's rollback, after the restore began but before `current` went back to the old
// version: the next daemon finishes the rollback; it does not watch (and keep) the new version on the old files.
import { describe, expect, it } from 'vitest';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../helpers/processes.js';
import { inFlightFile, writeInFlight } from '../../src/update/update-in-flight.js';
import { takeBackup } from '../../src/update/state-backup.js';
import { interruptedUpdate, rollbackCutShort } from './interrupted-update-fixture.js';
import { installFake } from './fake-package.js';

describe('an update killed during its rollback (real daemon process, real npm installs from tarballs)', () => {
  // update.watch short: the rollback of 4.0.0 starts soon after the switch.
  const { tarballs, setup, servedVersion, daemonUpdating, nextDaemon, journaled } = interruptedUpdate({ prefix: 'clawback-upd-rbk-', packs: [['1.0.0', 'good'], ['4.0.0', 'never-ready'], ['5.0.0', 'good']], watch: '4s' });

  it('SIGKILLed while its rollback restores a 64 MiB state file: the next daemon finishes that rollback (no new watch of 4.0.0)', async () => {
    const s = await setup();
    // A state database big enough that its restore (kept aside, then put back) takes a while.
    await fs.writeFile(s.statePath, Buffer.concat([Buffer.from('rows\n'), Buffer.alloc(64 * 1024 ** 2, 0x2e), Buffer.from('\n')]));
    const d = await daemonUpdating(s);
    const updates = path.join(s.stateDir, 'updates', 'gw');
    // The restore keeps the state file's bytes aside (<backup>/after) before it puts the old ones back.
    const evidence = async (): Promise<boolean> => {
      for (const run of await fs.readdir(updates).catch(() => [] as string[])) if (existsSync(path.join(updates, run, 'after'))) return true;
      return false;
    };
    await waitFor(() => evidence(), { timeoutMs: 90_000, intervalMs: 2 });
    d.signal('SIGKILL');
    await d.waitForExit(10_000);
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('4.0.0');
    expect(existsSync(inFlightFile(s.stateDir, 'gw'))).toBe(true);

    const td = await nextDaemon(s);
    await waitFor(() => journaled(td.stateDir, 'update.rolled-back').length + journaled(td.stateDir, 'update.failed').length > 0 || undefined, { timeoutMs: 120_000, intervalMs: 200 });
    const said = [...journaled(td.stateDir, 'update.rolled-back'), ...journaled(td.stateDir, 'update.failed')].map((e) => e.message).join(' | ');
    // It finished the rollback the update had begun, rather than judging 4.0.0 again on the old version's files.
    expect(said).toMatch(/4\.0\.0 did not hold \(readiness failure.*its rollback was under way\): rolled back to 1\.0\.0, ready/);
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('1.0.0');
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 30_000, intervalMs: 200 });
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);

  it('killed after the restore, before `current` went back (a new version that would come up on the old files): rolled back, not kept', async () => {
    const s = await setup();
    const tgz = tarballs();
    const store = await installFake(s.versions, tgz, '5.0.0', path.join(path.dirname(tgz), 'npm-cache'), { current: false });
    // Where such a kill leaves things: `current` -> 5.0.0, the files from before the update back in place, and the
    // record of the update saying its rollback had begun (as the update writes it before restoring anything).
    const backupDir = path.join(s.stateDir, 'updates', 'gw', 'run-1');
    await takeBackup(backupDir, [s.cfgPath], [path.join(s.dir, 'gw-state', '*.db')], Date.now());
    await writeInFlight(s.stateDir, { runId: 'run-1', service: 'gw', from: '1.0.0', to: '5.0.0', backupDir, startedAt: Date.now() - 60_000, by: 'test', rollback: { reason: 'rollback: crash loop (3 exits)', at: Date.now() - 1_000 } });
    await store.switchTo('5.0.0', 'update by test', Date.now());

    const td = await nextDaemon(s);
    await waitFor(() => journaled(td.stateDir, 'update.rolled-back').length + journaled(td.stateDir, 'update.succeeded').length + journaled(td.stateDir, 'update.failed').length > 0 || undefined, { timeoutMs: 60_000, intervalMs: 200 });
    expect(journaled(td.stateDir, 'update.succeeded')).toEqual([]);
    expect(journaled(td.stateDir, 'update.rolled-back')[0]?.message).toMatch(/5\.0\.0 did not hold \(crash loop \(3 exits\); its rollback was under way\): rolled back to 1\.0\.0/);
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('1.0.0');
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 30_000, intervalMs: 200 });
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);

  it('the stopping daemon rolled back but could not restore the state file (a full disk): the next daemon does not run 1.0.0 on it', async () => {
    const s = await setup();
    // Where a daemon stopping during the update's watch leaves things when its restore fails half-way: `current` back on
    // 1.0.0 (active.json says why), the config restored, the state file still as 4.0.0 left it, the record kept.
    await rollbackCutShort(s);

    const td = await nextDaemon(s);
    await waitFor(() => journaled(td.stateDir, 'update.failed').length + journaled(td.stateDir, 'update.rolled-back').length > 0 || undefined, { timeoutMs: 60_000, intervalMs: 200 });
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 30_000, intervalMs: 200 });
    // 1.0.0 runs on its own state file (put back), not on the one 4.0.0 had migrated.
    expect(await fs.readFile(s.statePath, 'utf8')).not.toMatch(/opened by 4\.0\.0/);
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);
});
