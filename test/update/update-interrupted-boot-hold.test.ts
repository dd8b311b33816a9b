// A daemon killed mid-update (here: during its rollback) leaves an in-flight record: the next daemon's boot holds the
// service until the resume of that update has decided, rather than starting it first (on a mix of two versions' files)
// and stopping it again once the record was read.
import { describe, expect, it } from 'vitest';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../helpers/processes.js';
import { inFlightFile } from '../../src/update/update-in-flight.js';
import { readJournalFile } from '../helpers/daemon.js';
import { interruptedUpdate, rollbackCutShort } from './interrupted-update-fixture.js';

const startsOf = (stateDir: string): Array<{ reason?: string; pid?: number; time: number }> =>
  readJournalFile(path.join(stateDir, 'journal.jsonl'))
    .filter((e) => e.type === 'service.started' && e.service === 'gw')
    .map((e) => ({ ...(e.details as { reason?: string; pid?: number }), time: e.time }));

describe('the boot of a daemon after an interrupted update (real daemon processes, real npm installs from tarballs)', () => {
  const { setup, servedVersion, daemonUpdating, nextDaemon, journaled } = interruptedUpdate({ prefix: 'clawback-upd-bh-', packs: [['1.0.0', 'good'], ['4.0.0', 'never-ready']], watch: '4s' });

  it('SIGKILLed during its rollback\'s restore: the next daemon starts gw once, after the resume decided, never at boot', async () => {
    const s = await setup();
    await fs.writeFile(s.statePath, Buffer.concat([Buffer.from('rows\n'), Buffer.alloc(64 * 1024 ** 2, 0x2e), Buffer.from('\n')]));
    const d = await daemonUpdating(s);
    const updates = path.join(s.stateDir, 'updates', 'gw');
    const evidence = async (): Promise<boolean> => {
      for (const run of await fs.readdir(updates).catch(() => [] as string[])) if (existsSync(path.join(updates, run, 'after'))) return true;
      return false;
    };
    await waitFor(() => evidence(), { timeoutMs: 90_000, intervalMs: 2 });
    d.signal('SIGKILL');
    await d.waitForExit(10_000);
    expect(existsSync(inFlightFile(s.stateDir, 'gw'))).toBe(true);
    const before = startsOf(s.stateDir).length;

    const td = await nextDaemon(s);
    await waitFor(() => journaled(td.stateDir, 'update.rolled-back').length + journaled(td.stateDir, 'update.failed').length > 0 || undefined, { timeoutMs: 120_000, intervalMs: 200 });
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 30_000, intervalMs: 200 });
    const starts = startsOf(td.stateDir).slice(before);
    // One start: the rollback's (restore-done), none by the boot on a half-restored state file.
    expect(starts.map((x) => x.reason)).not.toContain('boot');
    expect(starts).toHaveLength(1);
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('1.0.0');
  }, 240_000);

  it('rolled back with its restore cut short: 1.0.0 is never started on the state file 4.0.0 left (no start at boot)', async () => {
    const s = await setup();
    await rollbackCutShort(s);

    const td = await nextDaemon(s);
    await waitFor(() => journaled(td.stateDir, 'update.failed').length + journaled(td.stateDir, 'update.rolled-back').length > 0 || undefined, { timeoutMs: 60_000, intervalMs: 200 });
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 30_000, intervalMs: 200 });
    const starts = startsOf(td.stateDir);
    expect(starts.map((x) => x.reason)).not.toContain('boot');
    expect(starts).toHaveLength(1);
    const said = journaled(td.stateDir, 'update.failed').map((e) => e.message).join(' | ');
    expect(said).not.toMatch(/stopped to check its files/);
    expect(await fs.readFile(s.statePath, 'utf8')).not.toMatch(/opened by 4\.0\.0/);
  }, 240_000);
});
