// A scaled service's units share its versions and files: a unit a scale (or a boot, or a reload) adds while an update
// record of its group is unfinished (`gw.in-flight.json` from before it was scaled, `gw:0.in-flight.json`) is held by
// the reducer until that record's update is finished, never started on files that may mix two versions.
import { afterEach, describe, expect, it } from 'vitest';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { inFlightFile, writeInFlight } from '../../src/update/update-in-flight.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function setup(current: string, instances: number): Promise<{ dir: string; stateDir: string; config: string }> {
  const dir = await fs.realpath(tempDir('clawback-upd-scale-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  for (const v of ['1.0.0', '4.0.0']) {
    await fs.mkdir(path.join(dir, 'versions', v), { recursive: true });
    await fs.writeFile(path.join(dir, 'versions', v, 'app.mjs'), `setInterval(() => {}, 1000);\n`);
  }
  await fs.symlink(current, path.join(dir, 'versions', 'current'));
  const config = path.join(dir, 'clawback.yaml');
  const service = { name: 'gw', instances, command: [NODE, path.join(dir, 'versions', 'current', 'app.mjs')], stop: { grace: '2s' }, update: { package: 'fake-gw', dir: path.join(dir, 'versions'), watch: '2s', settle: '1s' } };
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [service] })));
  return { dir, stateDir: path.join(dir, 'state'), config };
}

function daemon(s: { stateDir: string; config: string }): void {
  const d = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
  cleanup.push(async () => {
    d.signal('SIGTERM');
    await d.waitForExit(30_000).catch(() => undefined);
    d.kill();
  });
}

const journal = (stateDir: string) => readJournalFile(path.join(stateDir, 'journal.jsonl'));
const started = (stateDir: string, unit: string) => journal(stateDir).filter((e) => e.type === 'service.started' && e.service === unit);
const humanHeld = (stateDir: string, unit: string) => journal(stateDir).some((e) => e.type === 'incident.escalated' && e.service === unit) || undefined;

describe('units of a scaled service and the update records of their group (real daemon process, built CLI)', () => {
  it('the record of gw from before it was scaled: gw:0 at boot and gw:1 added by `clawback scale gw 2` are held for a person, never started', async () => {
    const s = await setup('4.0.0', 1);
    await writeInFlight(s.stateDir, { runId: 'run-1', service: 'gw', from: '1.0.0', to: '4.0.0', backupDir: path.join(s.stateDir, 'updates', 'gw', 'run-1'), startedAt: Date.now() - 60_000, by: 'test' });
    daemon(s);
    await waitFor(() => humanHeld(s.stateDir, 'gw:0'), { timeoutMs: 60_000, intervalMs: 200 });
    const r = await runCli(['scale', 'gw', '2', '--config', s.config, '--state-dir', s.stateDir], { timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const held = journal(s.stateDir).find((e) => e.type === 'incident.escalated' && e.service === 'gw:1') ?? (await waitFor(() => journal(s.stateDir).find((e) => e.type === 'incident.escalated' && e.service === 'gw:1'), { timeoutMs: 30_000, intervalMs: 200 }));
    expect(held.message).toContain(inFlightFile(s.stateDir, 'gw'));
    expect(started(s.stateDir, 'gw:0')).toEqual([]);
    expect(started(s.stateDir, 'gw:1')).toEqual([]);
    // The record stays: the evidence a person checks.
    expect(readFileSync(inFlightFile(s.stateDir, 'gw'), 'utf8')).toContain('run-1');
  }, 120_000);

  it("gw:0's interrupted update: gw:1 is held at boot until gw:0's resume has finished it, then started", async () => {
    const s = await setup('1.0.0', 2);
    await writeInFlight(s.stateDir, { runId: 'run-2', service: 'gw:0', from: '1.0.0', to: '4.0.0', backupDir: path.join(s.stateDir, 'updates', 'gw:0', 'run-2'), startedAt: Date.now() - 60_000, by: 'test' });
    daemon(s);
    await waitFor(() => (started(s.stateDir, 'gw:1').length > 0 && started(s.stateDir, 'gw:0').length > 0) || undefined, { timeoutMs: 60_000, intervalMs: 200 });
    const events = journal(s.stateDir);
    const hold = events.findIndex((e) => e.type === 'update.step' && e.service === 'gw:1' && (e.details as { step?: string }).step === 'boot-hold');
    expect(hold, 'gw:1 held at boot for gw:0.in-flight.json').toBeGreaterThanOrEqual(0);
    expect(events[hold]!.message).toContain(inFlightFile(s.stateDir, 'gw:0'));
    // Started only once gw:0's resume had decided (its record gone).
    const resumed = events.findIndex((e) => e.service === 'gw:0' && (e.details as { interrupted?: boolean } | undefined)?.interrupted);
    const first = events.findIndex((e) => e.type === 'service.started' && e.service === 'gw:1');
    expect(resumed).toBeGreaterThanOrEqual(0);
    expect(first).toBeGreaterThan(resumed);
    await expect(fs.stat(inFlightFile(s.stateDir, 'gw:0'))).rejects.toThrow();
  }, 120_000);
});
