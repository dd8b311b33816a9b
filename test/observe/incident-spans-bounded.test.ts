// The list's read records where each incident's lines lie, so opening one reads its span only. Every incident's span in
// the window was kept for the daemon's life: ~45 MB of heap with 100 000 incidents (0.9 MB for the 500 summaries kept).
// Only the kept incidents' spans stay; an older incident asked by id is read from the whole journal, as it was before.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { INCIDENT_HISTORY_KEEP, incidentHistory, type JournalSpanStream, type JournalStream } from '../../src/observe/incident-history.js';
import { readJournalIncidents, scanJournalWindow } from '../../src/observe/journal-incidents.js';
import { readJournalSpan } from '../../src/observe/journal-read.js';
import { JOURNAL_KEEP } from '../../src/observe/journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const j = (o: Record<string, unknown>): string => `${JSON.stringify({ severity: 'info', message: String(o.type), ...o })}\n`;

describe('incident spans held by the history', () => {
  it('are those of the kept incidents only, and an older incident by id still answers as the whole fold', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-spans-bounded-'));
    dirs.push(dir);
    const file = path.join(dir, 'journal.jsonl');
    const lines: string[] = [];
    let t = 1_000_000;
    const n = 5_000;
    for (let i = 0; i < n; i++) {
      const id = `inc-${i}`;
      const s = `svc${i % 7}`;
      lines.push(j({ type: 'incident.opened', time: t++, service: s, incidentId: id, level: 0, details: { reason: 'exited' } }));
      // A long timeline for the newest: their opening by id reads their span.
      for (let k = 0; k < (i >= n - 3 ? 60 : 1); k++) lines.push(j({ type: 'incident.action', time: t++, service: s, incidentId: id, level: 1, details: { action: 'restart' } }));
      lines.push(j({ type: 'incident.resolved', time: t++, service: s, incidentId: id, level: 0, details: { outcome: 'auto-resolved', ttrMs: 5 } }));
    }
    writeFileSync(file, lines.join(''));
    let whole = 0;
    let spans = 0;
    const read: JournalStream = async (f, onEvent) => {
      whole++;
      await scanJournalWindow(f, onEvent);
    };
    const readSpan: JournalSpanStream = async (f, from, to, onEvent) => {
      spans++;
      return readJournalSpan(f, { rotated: JOURNAL_KEEP, incidentLinesBeforeCut: true }, from, to, onEvent);
    };
    const h = incidentHistory(file, read, readSpan);
    const list = await h.incidents();
    expect(list).toHaveLength(INCIDENT_HISTORY_KEEP);
    expect(h.heldSpans()).toBeLessThanOrEqual(INCIDENT_HISTORY_KEEP);
    expect(h.heldSpans()).toBeGreaterThan(0);
    const expected = (await readJournalIncidents(file)).incidents;
    // A kept incident with a cut timeline: its span alone.
    const newest = list.at(-1)!;
    expect(newest.timelineOmitted).toBeGreaterThan(0);
    expect(await h.incident(newest.id)).toEqual(expected.find((e) => e.id === newest.id));
    expect(spans).toBe(1);
    expect(whole).toBe(1);
    // An older one, not kept: the whole journal read for it, the same answer.
    expect(await h.incident('inc-7')).toEqual(expected.find((e) => e.id === 'inc-7'));
    expect(whole).toBe(2);
  });
});
