// `clawback digest` held every event of the journal window (its four files) before computing: a 200 000-event journal
// took it to 126 MB RSS where `incidents`, folding as it reads, took 77 MB. Now it folds as it reads too, and its
// period is labelled in the reader's zone with the offset, as `incidents` prints, not "UTC".
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('clawback digest on a full journal of small lines', () => {
  it('computes within a 24 MB heap and prints local times with their offset', async () => {
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
    const base = { service: 'api', incidentId: 'inc-dig-1', severity: 'warning', level: 0 };
    writeFileSync(path.join(stateDir, 'journal.jsonl.3'), `${JSON.stringify({ ...base, type: 'incident.opened', time: t0, message: 'opened', details: { reason: 'process ended (exit code 1)' } })}\n${filler(1)}`);
    writeFileSync(path.join(stateDir, 'journal.jsonl.2'), filler(perFile + 1));
    writeFileSync(path.join(stateDir, 'journal.jsonl.1'), `${JSON.stringify({ ...base, type: 'service.restarting', time: t0 + 2 * perFile, message: 'restarting' })}\n${filler(2 * perFile + 1)}`);
    const resolved = JSON.stringify({ ...base, type: 'incident.resolved', time: t0 + 4 * perFile, message: 'resolved', details: { outcome: 'auto-resolved', ttrMs: 5000 } });
    writeFileSync(path.join(stateDir, 'journal.jsonl'), `${filler(3 * perFile + 1)}${resolved}\n`);

    const env = { NODE_OPTIONS: '--max-old-space-size=24', TZ: 'Asia/Tokyo' };
    const json = await runCli(['--state-dir', stateDir, 'digest', '--json'], { env, timeoutMs: 60_000 });
    expect(json.code, json.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ incidents: 1, autoResolved: 1, meanTtrMs: 5000, restartsByService: [{ service: 'api', restarts: 1 }] });
    const md = await runCli(['--state-dir', stateDir, 'digest'], { env, timeoutMs: 60_000 });
    expect(md.code, md.stderr.slice(-2000)).toBe(0);
    expect(md.stdout).toMatch(/^Period: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+09:00 to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+09:00$/m);
    expect(md.stdout).not.toContain('UTC');
    expect(md.stdout).toContain('| Incidents | 1 |');
  }, 150_000);
});
