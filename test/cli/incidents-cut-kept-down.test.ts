// A `restart: never` service kept down in the older part of a journal past the read bound (an older daemon's, or one
// whose rotation failed, renamed whole to journal.jsonl.1 by the next daemon): `clawback status` said "kept down", but
// `clawback incidents` and the API listed its incident "open" for ever, as only incident.* lines were read before the cut.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { readJournal } from '../../src/observe/journal-read.js';
import { summarizeIncidents } from '../../src/observe/incidents.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('an incident kept down before the journal cut', () => {
  it('reads "failed" in clawback incidents and the daemon reader, and "open" again after a start before the cut', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir);
    const t0 = Date.parse('2026-11-01T00:00:00Z');
    const inc = (id: string, service: string, t: number): string[] => [
      JSON.stringify({ type: 'incident.opened', time: t, severity: 'warning', service, incidentId: id, level: 0, message: `incident ${id}`, details: { reason: 'process ended (exit code 3)' } }),
      JSON.stringify({ type: 'service.stopped', time: t + 1, severity: 'warning', service, incidentId: id, level: 0, message: `${service} failed; kept down`, details: { keptDown: 'never' } }),
    ];
    const lines = [
      ...inc('inc-job-1', 'job', t0),
      ...inc('inc-job-2', 'batch', t0 + 10),
      // A person started batch again: its incident is open again (a later crash would say kept down again).
      JSON.stringify({ type: 'service.started', time: t0 + 20, severity: 'info', service: 'batch', incidentId: 'inc-job-2', message: 'batch started', details: { pid: 5, reason: 'manual' } }),
      // A start or stop on no incident stays unread before the cut.
      JSON.stringify({ type: 'service.stopped', time: t0 + 30, severity: 'info', service: 'other', message: 'other finished' }),
    ];
    const pad = 'y'.repeat(200);
    // ~17 MiB of other events after them: past the 16 MiB read bound.
    for (let i = 0; i < 80_000; i++) lines.push(JSON.stringify({ type: 'probe.failed', time: t0 + 1000 + i, severity: 'info', service: 'api', message: `probe ${i}${pad}` }));
    writeFileSync(path.join(stateDir, 'journal.jsonl.1'), `${lines.join('\n')}\n`);
    writeFileSync(path.join(stateDir, 'journal.jsonl'), `${JSON.stringify({ type: 'daemon.started', time: t0 + 100_000, severity: 'info', message: 'started' })}\n`);

    const r = await runCli(['--state-dir', stateDir, 'incidents', '--json'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      expect.objectContaining({ id: 'inc-job-1', status: 'failed', outcome: 'failed' }),
      expect.objectContaining({ id: 'inc-job-2', status: 'open', outcome: 'open' }),
    ]);
    // The daemon's reader (GET /api/incidents) reads the same way.
    const events = await readJournal(path.join(stateDir, 'journal.jsonl'), { incidentLinesBeforeCut: true });
    expect(events.some((e) => e.service === 'other')).toBe(false);
    expect(summarizeIncidents(events, { inJournalOrder: true }).map((i) => [i.id, i.status])).toEqual([
      ['inc-job-1', 'failed'],
      ['inc-job-2', 'open'],
    ]);
  }, 60_000);
});
