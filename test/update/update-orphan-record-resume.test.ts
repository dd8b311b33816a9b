// An orphan update record (`gw.in-flight.json` from before gw was scaled: no supervised unit owns it, so nothing can
// finish it) holds gw:0 for a person. After the person's `clawback resume gw:0` the record stayed on disk (the hold
// said to remove it by hand), so every later boot, reload or scale held the group again for the same record. The
// resume that releases the hold now moves the record aside as evidence, journaled, and a later start is not held.
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

describe('an orphan update record after the person resumes the unit it held (real daemon process, built CLI)', () => {
  it('is moved aside as evidence, journaled, and the unit is not held for it again', async () => {
    const s = await setup('4.0.0', 1);
    const record = inFlightFile(s.stateDir, 'gw');
    await writeInFlight(s.stateDir, { runId: 'run-1', service: 'gw', from: '1.0.0', to: '4.0.0', backupDir: path.join(s.stateDir, 'updates', 'gw', 'run-1'), startedAt: Date.now() - 60_000, by: 'test' });
    daemon(s);
    await waitFor(() => humanHeld(s.stateDir, 'gw:0'), { timeoutMs: 60_000, intervalMs: 200 });
    expect(started(s.stateDir, 'gw:0')).toEqual([]);
    const r = await runCli(['resume', 'gw:0', '--config', s.config, '--state-dir', s.stateDir], { timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const moved = await waitFor(() => journal(s.stateDir).find((e) => e.type === 'update.step' && (e.details as { step?: string }).step === 'record-set-aside'), { timeoutMs: 30_000, intervalMs: 200 });
    expect(moved.message).toContain(record);
    const aside = (moved.details as { movedTo: string }).movedTo;
    expect(readFileSync(aside, 'utf8')).toContain('run-1');
    await expect(fs.stat(record)).rejects.toThrow();
    expect(started(s.stateDir, 'gw:0').length).toBeGreaterThan(0);
  }, 120_000);
});
