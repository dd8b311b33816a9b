// While the boot holds a service for an interrupted update's resume (here: until another service's slow preflight is
// over and the daemon's start with it), `clawback status` and /api/status said only "gw stopped / pending": no reason,
// no record. They say it is held for that update's resume, and where its record is.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import YAML from 'yaml';
import { NODE } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { inFlightFile, writeInFlight } from '../../src/update/update-in-flight.js';
import { interruptedUpdate } from './interrupted-update-fixture.js';

interface St { daemon: { starting?: boolean }; services: Array<{ name: string; state: string; pid: number | null; updateHold?: { update: string; message: string } }> }

describe('status while the boot holds a service for an interrupted update (real daemon process, built CLI)', () => {
  const { cleanup, setup, servedVersion } = interruptedUpdate({ prefix: 'clawback-upd-hs-', packs: [['1.0.0', 'good']], watch: '2s' });

  it('says why gw is not started and names the record; the hold ends with the resume', async () => {
    const s = await setup();
    const cfg = YAML.parse(readFileSync(s.config, 'utf8')) as { services: Array<Record<string, unknown>> };
    // A second service whose config validator takes 12 s: the daemon's start (and the resume after it) waits for it.
    const slowCfg = `${s.dir}/slow.json`;
    writeFileSync(slowCfg, '{}');
    cfg.services.push({ name: 'slow', command: [NODE, '-e', 'setInterval(() => {}, 1000)'], env: { CLAWBACK_TEST_CHILD: '1' }, configFile: { path: slowCfg, format: 'json', validateCommand: [NODE, '-e', 'setTimeout(() => {}, 12000)'] } });
    writeFileSync(s.config, YAML.stringify(cfg));
    // Killed before it switched versions: `current` is still 1.0.0.
    await writeInFlight(s.stateDir, { runId: 'run-7', service: 'gw', from: '1.0.0', to: '4.0.0', backupDir: `${s.stateDir}/updates/gw/run-7`, startedAt: Date.now() - 5_000, by: 'test' });

    const d = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
    cleanup.push(async () => {
      d.signal('SIGTERM');
      await d.waitForExit(30_000).catch(() => undefined);
      d.kill();
    });
    const record = inFlightFile(s.stateDir, 'gw');
    const held = await waitFor(async () => {
      const r = await runCli(['status', '--json', '--state-dir', s.stateDir]);
      if (r.code !== 0) return undefined;
      const st = JSON.parse(r.stdout) as St;
      const gw = st.services.find((x) => x.name === 'gw');
      return st.daemon.starting && gw?.updateHold ? gw : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
    expect(held.pid).toBeNull();
    expect(held.updateHold!.update).toContain('1.0.0 -> 4.0.0 (run run-7');
    expect(held.updateHold!.message).toContain(record);
    expect(held.updateHold!.message).toMatch(/interrupted by a daemon restart; held until this daemon has finished it/);
    const text = await runCli(['status', '--state-dir', s.stateDir]);
    expect(text.stdout).toMatch(/gw\s+held \(update\)/);
    expect(text.stdout).toContain(`record ${record}`);

    // The resume decided (never switched: started again): the hold is no longer shown.
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 60_000, intervalMs: 300 });
    const after = JSON.parse((await runCli(['status', '--json', '--state-dir', s.stateDir])).stdout) as St;
    expect(after.services.find((x) => x.name === 'gw')?.updateHold).toBeUndefined();
  }, 180_000);
});
