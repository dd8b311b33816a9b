// `clawback incidents --days 1` cut the journal's events at the window's start: an incident opened 30 h ago and resolved
// 20 h ago was listed as opened at its resolution, reason "unknown", and one opened 30 h ago and still escalated was not
// listed at all. The real CLI on a real journal: the window picks incidents open at some time within it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

const HOUR = 3_600_000;

describe('clawback incidents --days', () => {
  it('lists an incident that began before the window with its real opening and reason, and drops ones over before it', async () => {
    const stateDir = path.join(tempDir(), 'state');
    mkdirSync(stateDir);
    const now = Date.now();
    const ev = (id: string, type: string, time: number, details: Record<string, unknown>, level = 0): string =>
      JSON.stringify({ type, time, severity: 'warning', message: `${type} ${id}`, service: 'web', incidentId: id, level, details });
    const opened = (id: string, at: number): string => ev(id, 'incident.opened', at, { reason: `process ended (${id})`, firstSignalAt: at });
    const lines = [
      // Over before the window: not listed.
      opened('inc-old', now - 50 * HOUR),
      ev('inc-old', 'incident.resolved', now - 49 * HOUR, { ttrMs: HOUR, highestLevel: 0, outcome: 'auto-resolved', reason: 'process ended (inc-old)' }),
      // Opened before the window, resolved within it.
      opened('inc-span', now - 30 * HOUR),
      ev('inc-span', 'incident.escalated', now - 29 * HOUR, { reason: 'crash loop' }, 4),
      ev('inc-span', 'incident.resolved', now - 20 * HOUR, { ttrMs: 10 * HOUR, highestLevel: 4, outcome: 'human-resolved', reason: 'process ended (inc-span)' }, 4),
      // Opened before the window and still waiting for a person.
      opened('inc-waiting', now - 28 * HOUR),
      ev('inc-waiting', 'incident.escalated', now - 27 * HOUR, { reason: 'crash loop' }, 4),
      // Opened within it.
      opened('inc-new', now - HOUR),
    ];
    writeFileSync(path.join(stateDir, 'journal.jsonl'), lines.join('\n') + '\n');
    const r = await runCli(['--state-dir', stateDir, 'incidents', '--days', '1', '--json'], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as Array<{ id: string; openedAt: number; reason: string; status: string }>;
    expect(got.map((i) => i.id)).toEqual(['inc-span', 'inc-waiting', 'inc-new']);
    expect(got[0]).toMatchObject({ openedAt: now - 30 * HOUR, reason: 'process ended (inc-span)', status: 'resolved' });
    expect(got[1]).toMatchObject({ openedAt: now - 28 * HOUR, status: 'escalated' });
    const table = await runCli(['--state-dir', stateDir, 'incidents', '--days', '1'], { timeoutMs: 20_000 });
    expect(table.stdout).not.toContain('unknown');
    expect(table.stdout).not.toContain('inc-old');
  }, 30_000);
});
