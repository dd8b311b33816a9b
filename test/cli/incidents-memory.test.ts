// `clawback incidents` held every event of the journal window in memory before folding them into incidents: the
// daemon's full rotated set of small lines (journal.jsonl.3 .. .1 and the live file, 8 MiB each, 380 000 lines) took the
// CLI to 126 MB RSS (58 MB with an empty journal), and a 24 MB heap aborted it. Now the lines are folded as they are
// read. The real CLI on real files, under a small heap limit that only holding the whole window breaks.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('clawback incidents on a full journal of small lines', () => {
  it('lists and shows the incidents within a 24 MB heap', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir);
    const t0 = Date.now() - 3_600_000;
    const line = (i: number): string => JSON.stringify({ type: 'probe.ok', time: t0 + i, severity: 'info', service: 'w', message: 'ok' });
    const perFile = Math.floor((8 * 1024 * 1024) / (line(0).length + 1));
    const filler = (from: number): string => {
      const out: string[] = [];
      for (let i = 0; i < perFile; i++) out.push(line(from + i));
      return `${out.join('\n')}\n`;
    };
    const base = { service: 'api', incidentId: 'inc-mem-1', severity: 'warning', level: 0 };
    writeFileSync(path.join(stateDir, 'journal.jsonl.3'), `${JSON.stringify({ ...base, type: 'incident.opened', time: t0, message: 'opened', details: { reason: 'process ended (exit code 1)' } })}\n${filler(1)}`);
    writeFileSync(path.join(stateDir, 'journal.jsonl.2'), filler(perFile + 1));
    writeFileSync(path.join(stateDir, 'journal.jsonl.1'), filler(2 * perFile + 1));
    const resolved = JSON.stringify({ ...base, type: 'incident.resolved', time: t0 + 4 * perFile, message: 'resolved', details: { outcome: 'auto-resolved', ttrMs: 5000 } });
    writeFileSync(path.join(stateDir, 'journal.jsonl'), `${filler(3 * perFile + 1)}${resolved}\n`);

    const env = { NODE_OPTIONS: '--max-old-space-size=24' };
    const list = await runCli(['--state-dir', stateDir, 'incidents', '--json'], { env, timeoutMs: 60_000 });
    expect(list.code, list.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: 'inc-mem-1', service: 'api', status: 'resolved', outcome: 'auto-resolved', ttrMs: 5000, events: 2 })]);
    const one = await runCli(['--state-dir', stateDir, 'incident', 'inc-mem-1', '--json'], { env, timeoutMs: 60_000 });
    expect(one.code, one.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ id: 'inc-mem-1', reason: 'process ended (exit code 1)', timeline: [{ type: 'incident.opened' }, { type: 'incident.resolved' }] });
  }, 150_000);
});
