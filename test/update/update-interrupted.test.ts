// A daemon SIGKILLed in the middle of an update (OOM, a crash, a guardian's kill): the next daemon finishes it.
import { describe, expect, it } from 'vitest';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { readJournalFile } from '../helpers/daemon.js';
import { killTree, pidRef, waitFor } from '../helpers/processes.js';
import { VersionStore } from '../../src/update/version-store.js';
import { inFlightFile, writeInFlight } from '../../src/update/update-in-flight.js';
import { takeBackup } from '../../src/update/state-backup.js';
import { interruptedUpdate } from './interrupted-update-fixture.js';

describe('an update interrupted by a SIGKILL of its daemon (real daemon process, real npm installs from tarballs)', () => {
  // update.watch long enough that the first daemon is always killed before its own watch ends.
  const { cleanup, setup, servedVersion, daemonUpdating, nextDaemon, journaled } = interruptedUpdate({ prefix: 'clawback-upd-int-', packs: [['1.0.0', 'good'], ['4.0.0', 'never-ready']], watch: '15s' });

  it('killed after the switch to a version that never gets ready: the next daemon rolls it back (config and state restored)', async () => {
    const s = await setup();
    const cfgBefore = await fs.readFile(s.cfgPath, 'utf8');
    const d = await daemonUpdating(s);
    await waitFor(async () => ((await fs.readlink(path.join(s.versions, 'current')).catch(() => '')) === '4.0.0' && (await servedVersion(s.port)) === '4.0.0') || undefined, { timeoutMs: 60_000, intervalMs: 100 });
    d.kill();
    await d.waitForExit(10_000);

    const td = await nextDaemon(s);
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 120_000, intervalMs: 300 });
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('1.0.0');
    expect(await fs.readFile(s.cfgPath, 'utf8')).toBe(cfgBefore);
    // The new version's write to the state file is undone; the old one opened it again.
    expect(await fs.readFile(s.statePath, 'utf8')).toMatch(/^rows\nopened by 1\.0\.0\nopened by 1\.0\.0\n$/);
    await waitFor(() => journaled(td.stateDir, 'update.rolled-back').length === 1 || undefined, { timeoutMs: 10_000 });
    expect(journaled(td.stateDir, 'update.rolled-back')[0]!.message).toMatch(/interrupted by a daemon restart; 4\.0\.0 did not hold \(readiness failure/);
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);

  it('killed after its rollback had put the old version back: the next daemon says so (it said "before it switched versions")', async () => {
    const s = await setup();
    // Where a kill between the rollback's switch back and its clean-up leaves things: the record of the update still
    // there, `current` on the old version again, and active.json saying why.
    // The update's backup is complete (its manifest written): with none, the files could not be checked (held instead).
    const backupDir = path.join(s.stateDir, 'updates', 'gw', 'run-1');
    await takeBackup(backupDir, [s.cfgPath], [path.join(s.dir, 'gw-state', '*.db')], Date.now());
    await writeInFlight(s.stateDir, { runId: 'run-1', service: 'gw', from: '1.0.0', to: '4.0.0', backupDir, startedAt: Date.now() - 60_000, by: 'test' });
    await new VersionStore(s.versions, 'fake-gw').switchTo('1.0.0', 'rollback: readiness failure', Date.now());

    const td = await nextDaemon(s);
    await waitFor(() => journaled(td.stateDir, 'update.failed').length === 1 || undefined, { timeoutMs: 30_000 });
    const said = journaled(td.stateDir, 'update.failed')[0]!.message;
    expect(said).toMatch(/after its rollback had put 1\.0\.0 back \(rollback: readiness failure; the files from before the update restored from /);
    expect(said).not.toMatch(/before it switched versions/);
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 60_000, intervalMs: 300 });
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);

  it('killed right after the update stopped the service: the next daemon starts it again on the old version', async () => {
    const s = await setup();
    const d = await daemonUpdating(s);
    // The update's stop step is journaled as soon as the reducer stopped the service.
    await waitFor(() => readJournalFile(path.join(s.stateDir, 'journal.jsonl')).some((e) => e.type === 'update.step' && (e.details as { step?: string }).step === 'stop') || undefined, { timeoutMs: 60_000, intervalMs: 20 });
    d.kill();
    await d.waitForExit(10_000);

    const td = await nextDaemon(s);
    // Wherever the kill landed (before or after the switch), the service ends up serving the old version.
    const story = (): string =>
      `1.0.0 served again; journal: ${readJournalFile(path.join(td.stateDir, 'journal.jsonl'))
        .slice(0, 40)
        .map((e) => `${e.type} ${e.message}`)
        .join(' | ')}`;
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 120_000, intervalMs: 300, message: story });
    expect(td.daemon.runtimes.get('gw')!.status().state).toBe('running');
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('1.0.0');
    await waitFor(() => (journaled(td.stateDir, 'update.failed').length + journaled(td.stateDir, 'update.rolled-back').length === 1) || undefined, { timeoutMs: 10_000 });
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);
  it('the daemon exits leaving its services running (SIGUSR2, a service manager restart) during the watch: nothing is restored under the running new version; the next daemon watches it and rolls it back', async () => {
    const s = await setup();
    const cfgBefore = await fs.readFile(s.cfgPath, 'utf8');
    const d = await daemonUpdating(s);
    await waitFor(async () => ((await fs.readlink(path.join(s.versions, 'current')).catch(() => '')) === '4.0.0' && (await servedVersion(s.port)) === '4.0.0') || undefined, { timeoutMs: 60_000, intervalMs: 100 });
    // The new version's pid (from the start step): if an assertion fails before the next daemon adopts it, it is killed.
    const started = readJournalFile(path.join(s.stateDir, 'journal.jsonl')).find((e) => e.type === 'update.step' && (e.details as { step?: string }).step === 'start');
    const pid = Number(/\(pid (\d+)\)/.exec(started?.message ?? '')?.[1]);
    expect(pid).toBeGreaterThan(0);
    const ref = pidRef(pid);
    cleanup.unshift(() => killTree(ref));
    process.kill(d.pid, 'SIGUSR2');
    await d.waitForExit(20_000);
    // 4.0.0 still runs: its files and `current` are left as they are (before, the backups were restored under it and
    // `current` pointed at 1.0.0, so the next daemon adopted 4.0.0 as "still on 1.0.0, untouched" and never watched it).
    expect(await servedVersion(s.port)).toBe('4.0.0');
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('4.0.0');
    expect(await fs.readFile(s.statePath, 'utf8')).toMatch(/opened by 4\.0\.0\n$/);
    expect(existsSync(inFlightFile(s.stateDir, 'gw'))).toBe(true);

    const td = await nextDaemon(s);
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 120_000, intervalMs: 300 });
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('1.0.0');
    expect(await fs.readFile(s.cfgPath, 'utf8')).toBe(cfgBefore);
    expect(await fs.readFile(s.statePath, 'utf8')).toMatch(/^rows\nopened by 1\.0\.0\nopened by 1\.0\.0\n$/);
    await waitFor(() => journaled(td.stateDir, 'update.rolled-back').length === 1 || undefined, { timeoutMs: 10_000 });
    expect(journaled(td.stateDir, 'update.rolled-back')[0]!.message).toMatch(/4\.0\.0 did not hold \(readiness failure/);
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);
});
