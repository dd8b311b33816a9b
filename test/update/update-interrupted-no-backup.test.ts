// An interrupted update whose rollback had put the old version back, found by the next daemon with no backup manifest
// (deleted, or never completed): the old version running then is on files nobody can check; it is held at Level 4 with
// the reason, never trusted ("untouched") without a word.
import { describe, expect, it } from 'vitest';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { NODE } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { VersionStore } from '../../src/update/version-store.js';
import { inFlightFile, writeInFlight } from '../../src/update/update-in-flight.js';
import { interruptedUpdate } from './interrupted-update-fixture.js';

describe('an interrupted, rolled-back update with no backup manifest (real daemon processes)', () => {
  const { cleanup, setup, servedVersion, nextDaemon, journaled } = interruptedUpdate({ prefix: 'clawback-upd-nobk-', packs: [['1.0.0', 'good']], watch: '4s' });

  it('1.0.0 running (adopted) after its rollback, the manifest gone: held at Level 4 naming the missing backup, not left running unsaid', async () => {
    const s = await setup();
    await new VersionStore(s.versions, 'fake-gw').switchTo('1.0.0', 'rollback: crash loop (3 exits)', Date.now());
    // A daemon that ran 1.0.0 again after the rollback, killed before it cleared the update's record.
    const d = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
    cleanup.push(() => d.kill());
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 60_000, intervalMs: 200 });
    const backupDir = path.join(s.stateDir, 'updates', 'gw', 'run-3');
    await fs.mkdir(backupDir, { recursive: true });
    await writeInFlight(s.stateDir, { runId: 'run-3', service: 'gw', from: '1.0.0', to: '4.0.0', backupDir, startedAt: Date.now() - 60_000, by: 'test', rollback: { reason: 'rollback: crash loop (3 exits)', at: Date.now() - 5_000 } });
    d.signal('SIGKILL');
    await d.waitForExit(10_000);
    expect(await servedVersion(s.port)).toBe('1.0.0');

    const td = await nextDaemon(s);
    await waitFor(() => journaled(td.stateDir, 'update.failed').length + journaled(td.stateDir, 'update.rolled-back').length > 0 || undefined, { timeoutMs: 60_000, intervalMs: 200 });
    const failed = journaled(td.stateDir, 'update.failed');
    expect(failed.map((e) => e.message).join(' | ')).toMatch(/no complete backup in .*run-3.*held/);
    expect(failed[0]?.severity).toBe('critical');
    const gw = td.daemon.runtimes.get('gw')!.status();
    expect(gw.state).toBe('held');
    // The 1.0.0 the last daemon left running on those files was stopped through the reducer for it.
    expect(await servedVersion(s.port)).toBeUndefined();
    expect(gw.held?.detail ?? '').toMatch(/no complete backup/);
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);
});
