import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../helpers/processes.js';
import { startUpdateHarness, type UpdateHarness } from './update-harness.js';
import { runUpdate, type UpdateTarget } from '../../src/update/run-update.js';
import { systemClock } from '../../src/platform/clock.js';
import { spawnRunner } from '../../src/doctor/command-runner.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

/**
 * The rollback asked the reducer to stop the failed version and went on without looking: a stop that did not happen
 * (refused, failed, slower than the request's bound) came back while the process still ran, and the backups were
 * restored and `current` switched back under it (its state written over the restored files, the old tree under a
 * running new version). Now the files are switched only once the stop is confirmed; otherwise nothing is restored,
 * both versions are kept and a critical event says so.
 */
describe('an update rollback whose stop does not happen (real daemon, real process, real npm installs)', () => {
  let h: UpdateHarness;

  beforeAll(async () => {
    h = await startUpdateHarness({ packages: [['1.0.0', 'good'], ['2.0.0', 'never-ready']], update: { watch: '4s' } });
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('keeps both versions and restores nothing while the new version still runs', async () => {
    const rt = h.td.daemon.runtimes.get('gw')!;
    let stops = 0;
    const events: ClawbackEvent[] = [];
    // The daemon's own runtime; only the rollback's stop (the second) is not carried out, as a reducer refusing it.
    const target: UpdateTarget = {
      service: rt.config,
      restored: (runId, failed) => rt.restoreDone(runId, failed),
      request: async (action, by) => (action === 'stop' && ++stops === 2 ? { ok: false, message: 'stop gw: running (refused)' } : rt.request(action, by)),
      phase: () => rt.status().state,
      health: () => rt.status().health,
      subscribe: (l) => h.td.daemon.ctx.bus.subscribe(l),
    };
    const report = await runUpdate(target, '2.0.0', { clock: systemClock(), stateDir: h.td.stateDir, emit: (e) => events.push(e), runner: spawnRunner(), pollMs: 200 }, { runId: 'upd-test-stop' });
    const pid = rt.status().pid;
    expect(stops).toBe(2);
    expect(rt.status().state).toBe('running');
    expect(pid && isAlive(pid)).toBe(true);
    expect(await h.version()).toBe('2.0.0');
    // Nothing switched under the running process: `current` still names the version that runs, its state is its own.
    expect(await h.current()).toContain('2.0.0');
    expect(await fs.readFile(h.statePath, 'utf8')).toContain('opened by 2.0.0');
    expect(report.outcome).toBe('failed');
    expect(report.message).toContain('did not stop');
    expect(report.message).toContain(path.join(h.versions, '1.0.0'));
    const failed = events.find((e) => e.type === 'update.failed');
    expect(failed?.severity).toBe('critical');
    expect(events.some((e) => e.type === 'update.rolled-back')).toBe(false);
    // The backup the person needs to go back is still there.
    expect((await fs.readdir(report.backupDir!)).length).toBeGreaterThan(0);
  }, 120_000);
});
