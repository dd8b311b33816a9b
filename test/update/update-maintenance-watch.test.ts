import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fs } from 'node:fs';
import { waitFor } from '../helpers/processes.js';
import { startUpdateHarness, type UpdateHarness } from './update-harness.js';
import { inFlightFile } from '../../src/update/update-in-flight.js';

/**
 * A person turns maintenance on while an update watches the new version (to look into why it is not ready): the update
 * hands the service over as it is. Before, the watch ran out and the rollback stopped the service, put the backed-up
 * config back over the person's edit and restarted the old version under them, maintenance or not.
 */
describe('clawback update: maintenance turned on during the watch (real daemon, real npm installs)', () => {
  let h: UpdateHarness | undefined;
  afterAll(async () => {
    await h?.stop();
  });

  it('leaves the new version running and the person\'s config edit in place; nothing is rolled back under them', async () => {
    h = await startUpdateHarness({ packages: [['1.0.0', 'good'], ['2.0.0', 'never-ready']], update: { watch: '6s' } });
    const { base, token, cfgPath } = h;
    const started = await h.update('2.0.0');
    expect(started.status).toBe(202);
    // The switch is done and 2.0.0 answers (never ready): the watch is on.
    await waitFor(async () => (await h!.current()).endsWith('2.0.0') && (await h!.version()) === '2.0.0', { timeoutMs: 30_000, intervalMs: 100 });
    const m = await fetch(`${base}/api/services/gw/maintenance?on=1&by=cli:ann&reason=why%20not%20ready`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(m.status).toBe(200);
    // The person's fix to the config, made during the maintenance.
    const edited = JSON.stringify({ ...(JSON.parse(await fs.readFile(cfgPath, 'utf8')) as object), fixedBy: 'ann' });
    await fs.writeFile(cfgPath, edited);

    const view = await h.finished(started.body.runId);
    expect(view.report?.outcome).toBe('failed');
    expect(view.report?.message).toContain('cli:ann turned maintenance on while 2.0.0 was watched');
    expect(view.steps.map((s) => s.step)).not.toContain('rollback');
    // Well past the watch (6 s): nothing moved under the person.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await h.current()).toMatch(/2\.0\.0$/);
    expect(await h.version()).toBe('2.0.0');
    expect(await fs.readFile(cfgPath, 'utf8')).toBe(edited);
    expect(existsSync(inFlightFile(h.td.stateDir, 'gw'))).toBe(false);
    const st = (await (await fetch(`${base}/api/status`)).json()) as { services: Array<{ name: string; maintenance: { by: string } | null }> };
    expect(st.services.find((s) => s.name === 'gw')?.maintenance?.by).toBe('cli:ann');
  }, 180_000);
});
