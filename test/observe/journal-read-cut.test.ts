// A journal past the read bound (grown before rotation existed, or by a writer that cannot rotate) was read by its
// newest part only, silently: an incident opened in the older part was listed as starting later, or not at all.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scanJournal } from '../../src/observe/journal-read.js';
import { summarizeIncidents } from '../../src/observe/incidents.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const line = (o: Record<string, unknown>): string => JSON.stringify({ severity: 'info', message: 'm', ...o });

describe('journal read past the bound', () => {
  it("reads an older incident's opening before the cut, the line across the cut whole, and says the cut", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-cut-'));
    dirs.push(dir);
    const file = path.join(dir, 'journal.jsonl');
    const lines = [line({ type: 'incident.opened', time: 1, service: 'web', incidentId: 'inc-1', level: 0, details: { reason: 'process ended (exit code 1)' } })];
    for (let i = 0; i < 500; i++) lines.push(line({ type: 'probe.failed', time: 10 + i, service: 'api', message: `probe ${i}` }));
    lines.push(line({ type: 'incident.escalated', time: 600, service: 'web', incidentId: 'inc-1', level: 4, details: { reason: 'crash loop' } }));
    for (let i = 0; i < 50; i++) lines.push(line({ type: 'probe.failed', time: 700 + i, service: 'api', message: `late ${i}` }));
    const text = `${lines.join('\n')}\n`;
    writeFileSync(file, text);
    // The cut falls in the middle of the escalation line: it is read whole, once.
    const escalatedAt = text.indexOf('"incident.escalated"');
    const maxBytesPerFile = Buffer.byteLength(text) - escalatedAt;

    const scan = await scanJournal(file, { maxBytesPerFile, incidentLinesBeforeCut: true });
    expect(scan.corruptLines).toBe(0);
    expect(scan.cuts).toEqual([{ file, size: Buffer.byteLength(text), bytesBefore: escalatedAt, incidentLinesRead: true }]);
    expect(scan.events.filter((e) => e.type.startsWith('incident.')).map((e) => e.type)).toEqual(['incident.opened', 'incident.escalated']);
    // Only incident lines before the cut: the 500 older probe lines are neither held nor parsed.
    expect(scan.events.filter((e) => e.type === 'probe.failed')).toHaveLength(50);
    const [inc] = summarizeIncidents(scan.events, { inJournalOrder: true });
    expect(inc).toMatchObject({ id: 'inc-1', openedAt: 1, reason: 'process ended (exit code 1)', status: 'escalated' });

    // Without the option the cut is still said (what was not read), never silent.
    const plain = await scanJournal(file, { maxBytesPerFile });
    expect(plain.cuts).toEqual([{ file, size: Buffer.byteLength(text), bytesBefore: escalatedAt, incidentLinesRead: false }]);
    expect(plain.events.some((e) => e.type === 'incident.opened')).toBe(false);
  });
});
