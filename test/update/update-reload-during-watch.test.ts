import { afterAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { waitFor } from '../helpers/processes.js';
import { startUpdateHarness, type UpdateHarness } from './update-harness.js';

/**
 * A config reload during an update's watch replaces the service's runtime (here only a probe interval changes). The
 * update must go on through the runtime that supervises the service now: before, its rollback asked the disposed one
 * to stop and start, so the old version's files and `current` were put back under the new version, which kept running.
 */
describe('clawback update: a config reload during the watch (real daemon, real npm installs)', () => {
  let h: UpdateHarness | undefined;
  afterAll(async () => {
    await h?.stop();
  });

  it('the rollback still stops the new version and runs the old one', async () => {
    h = await startUpdateHarness({ packages: [['1.0.0', 'good'], ['2.0.0', 'never-ready']], update: { watch: '6s' } });
    const started = await h.update('2.0.0');
    expect(started.status).toBe(202);
    await waitFor(async () => (await h!.current()).endsWith('2.0.0') && (await h!.version()) === '2.0.0', { timeoutMs: 30_000, intervalMs: 100 });
    const yaml = await fs.readFile(h.td.configFile, 'utf8');
    expect(yaml).toMatch(/interval: 1s/);
    await fs.writeFile(h.td.configFile, yaml.replace(/interval: 1s/, 'interval: 2s'));
    const r = await fetch(`${h.base}/api/reload`, { method: 'POST', headers: { authorization: `Bearer ${h.token}` } });
    expect(r.status).toBe(200);

    const view = await h.finished(started.body.runId);
    expect(view.report?.outcome).toBe('rolled-back');
    expect(view.report?.healthyAfterRollback).toBe(true);
    expect(await h.current()).toMatch(/1\.0\.0$/);
    // What runs is what `current` says: the old version, ready.
    expect(await h.version()).toBe('1.0.0');
  }, 180_000);
});
