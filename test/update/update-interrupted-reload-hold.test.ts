// A service with an interrupted update's record that a config reload adds (removed by a reload during the update and
// added back, or a second config): its boot is held as at the daemon's start, and the update is finished (here: its
// rollback's restore) before anything starts it, never started on the state file the new version left.
import { describe, expect, it } from 'vitest';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, readJournalFile } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { inFlightFile } from '../../src/update/update-in-flight.js';
import { interruptedUpdate, rollbackCutShort } from './interrupted-update-fixture.js';

describe('a config reload adding a service with an interrupted update (real daemon process, built CLI)', () => {
  const { cleanup, setup, servedVersion, journaled } = interruptedUpdate({ prefix: 'clawback-upd-rh-', packs: [['1.0.0', 'good']], watch: '4s' });

  it('rolled back with its restore cut short, added back by a reload: not started until its files are restored', async () => {
    const s = await setup();
    await rollbackCutShort(s);

    // The daemon runs a config without gw; a reload adds it.
    const full = readFileSync(s.config, 'utf8');
    const cfg = YAML.parse(full) as { services: Array<Record<string, unknown>> };
    writeFileSync(s.config, YAML.stringify({ ...cfg, services: [{ name: 'other', command: [NODE, '-e', 'setInterval(() => {}, 1000)'], env: { CLAWBACK_TEST_CHILD: '1' } }] }));
    const d = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
    // SIGTERM first: the daemon stops its services (gw, other) before it exits; SIGKILL would leave them running.
    cleanup.push(async () => {
      d.signal('SIGTERM');
      await d.waitForExit(30_000).catch(() => undefined);
      d.kill();
    });
    await waitFor(() => readJournalFile(path.join(s.stateDir, 'journal.jsonl')).some((e) => e.type === 'service.started' && e.service === 'other') || undefined, { timeoutMs: 60_000, intervalMs: 200 });
    writeFileSync(s.config, YAML.stringify({ ...cfg, services: [...cfg.services, { name: 'other', command: [NODE, '-e', 'setInterval(() => {}, 1000)'], env: { CLAWBACK_TEST_CHILD: '1' } }] }));
    const r = await runCli(['reload', '--config', s.config, '--state-dir', s.stateDir], { timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);

    await waitFor(() => journaled(s.stateDir, 'update.failed').length + journaled(s.stateDir, 'update.rolled-back').length > 0 || undefined, { timeoutMs: 60_000, intervalMs: 200 });
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 30_000, intervalMs: 200 });
    const starts = readJournalFile(path.join(s.stateDir, 'journal.jsonl')).filter((e) => e.type === 'service.started' && e.service === 'gw');
    expect(starts.map((e) => (e.details as { reason?: string }).reason)).not.toContain('boot');
    expect(starts).toHaveLength(1);
    // 1.0.0 opened the state file from before the update, never the one 4.0.0 left.
    expect(await fs.readFile(s.statePath, 'utf8')).not.toMatch(/opened by 4\.0\.0/);
    await waitFor(async () => !(await fs.stat(inFlightFile(s.stateDir, 'gw')).catch(() => undefined)) || undefined, { timeoutMs: 10_000 });
  }, 240_000);
});
