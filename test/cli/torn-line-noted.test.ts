// A torn last journal line (the daemon killed mid-write, a full disk) made every later `clawback incidents`,
// `incident` and `digest` warn "skipped 1 damaged line(s)" for as long as the file lived, the daemon long running
// again. The writer that ends a torn line notes it in the journal once; a damaged line nobody noted still warns.
import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { JournalWriter } from '../../src/observe/journal.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

describe('a torn journal line the daemon ended', () => {
  it('is kept as evidence, noted once in the journal, and not warned about on every CLI call', async () => {
    const stateDir = path.join(tempDir(), 'state');
    mkdirSync(stateDir, { recursive: true });
    const file = path.join(stateDir, 'journal.jsonl');
    const t = Date.now() - 60_000;
    const base = { service: 'web', incidentId: 'inc-1' };
    const torn = '{"type":"service.healthy","time":' + String(t + 1) + ',"severity":"inf';
    writeFileSync(file, JSON.stringify({ ...base, type: 'incident.opened', time: t, severity: 'warning', level: 0, message: 'opened' }) + '\n' + torn);
    // The next daemon appends its first events (the writer the daemon uses).
    const w = new JournalWriter(file);
    const ev = (type: ClawbackEvent['type'], time: number, extra: Partial<ClawbackEvent> = {}): ClawbackEvent => ({ type, time, severity: 'info', message: type, ...extra });
    w.append(ev('daemon.started', t + 2));
    w.append(ev('incident.resolved', t + 3, { ...base, severity: 'resolved', details: { ttrMs: 3, highestLevel: 0, outcome: 'auto-resolved', reason: 'x' } }));
    w.close();
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`${torn}\n`); // the evidence stays byte for byte
    expect(text).toMatch(/"effect":"journal-torn-line"/);

    const env = { HOME: stateDir, CLAWBACK_CONFIG: '' };
    for (const args of [['incidents'], ['incidents', '--json'], ['incident', 'inc-1'], ['digest']]) {
      const r = await runCli([...args, '--state-dir', stateDir], { env, cwd: stateDir, timeoutMs: 20_000 });
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stderr, args.join(' ')).not.toMatch(/damaged/);
    }
    const list = await runCli(['incidents', '--json', '--state-dir', stateDir], { env, cwd: stateDir, timeoutMs: 20_000 });
    expect((JSON.parse(list.stdout) as Array<{ outcome: string }>)[0]!.outcome).toBe('auto-resolved');

    // Garbage nobody noted (a hand edit, disk damage) is still said.
    appendFileSync(file, 'garbage\n');
    const r = await runCli(['incidents', '--state-dir', stateDir], { env, cwd: stateDir, timeoutMs: 20_000 });
    expect(r.stderr).toMatch(/skipped 1 damaged line\(s\) of .*journal\.jsonl.* at line 6/);
  }, 90_000);
});
