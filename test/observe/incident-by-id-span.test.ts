// Opening a long cut incident (the dashboard, GET /api/incidents/ID) read the whole journal again each time (~5 s on a
// 349 MiB journal; 0.4-0.6 s on a 60 MiB one): only the last one opened was remembered. The list's one read records
// where each incident's lines lie; opening one reads that span only, and answers what the whole journal's fold does.
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentHistory, type JournalSpanStream, type JournalStream } from '../../src/observe/incident-history.js';
import { readJournalIncidents, scanJournalWindow } from '../../src/observe/journal-incidents.js';
import { readJournalSpan } from '../../src/observe/journal-read.js';
import { JOURNAL_KEEP } from '../../src/observe/journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const j = (o: Record<string, unknown>): string => `${JSON.stringify({ severity: 'info', message: String(o.type), ...o })}\n`;

/** Three services' incidents, interleaved, over journal.jsonl.1 and the live file; id-less exits and daemon restarts among them. */
function writeJournal(file: string): void {
  let t = 1_000_000;
  const open: Record<string, string | undefined> = {};
  let n = 0;
  for (const f of [`${file}.1`, file]) {
    const lines: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      const s = `svc${n % 3}`;
      n++;
      if (!open[s] || i % 997 === 0) {
        if (open[s] && i % 2 === 0) {
          lines.push(j({ type: 'incident.resolved', time: t++, service: s, incidentId: open[s], level: 0, details: { ttrMs: 5 } }));
          open[s] = undefined;
        } else {
          // Every other time the one before stays open: a newer incident takes the service's id-less lines.
          open[s] = `inc-${n}`;
          lines.push(j({ type: 'incident.opened', time: t++, service: s, incidentId: open[s], level: 0, details: { reason: 'exited' } }));
        }
      } else if (i % 2 === 0) lines.push(j({ type: 'incident.action', time: t++, service: s, incidentId: open[s], level: 1, details: { action: 'restart' } }));
      else if (i % 501 === 1) lines.push(j({ type: 'daemon.started', time: t++ }));
      else lines.push(j({ type: 'service.exited', time: t++, service: s, message: `exited ${'y'.repeat(80)}`, details: { code: 1 } }));
    }
    appendFileSync(f, lines.join(''));
  }
}

describe('an incident by id reads its own span of the journal', () => {
  it('after the list, opening each incident reads no whole journal, a fraction of its bytes, and answers as the whole fold', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-incident-span-'));
    dirs.push(dir);
    const file = path.join(dir, 'journal.jsonl');
    writeJournal(file);
    const total = statSync(file).size + statSync(`${file}.1`).size;
    let wholeReads = 0;
    const read: JournalStream = async (f, onEvent) => {
      wholeReads++;
      await scanJournalWindow(f, onEvent);
    };
    const spanBytes: number[] = [];
    const readSpan: JournalSpanStream = async (f, from, to, onEvent) => {
      const bytes = await readJournalSpan(f, { rotated: JOURNAL_KEEP, incidentLinesBeforeCut: true }, from, to, onEvent);
      spanBytes.push(bytes);
      return bytes;
    };
    const h = incidentHistory(file, read, readSpan);
    const list = await h.incidents();
    expect(wholeReads).toBe(1);
    const expected = (await readJournalIncidents(file)).incidents;
    expect(list.length).toBe(expected.length);
    expect(list.length).toBeGreaterThan(20);
    const cut = list.filter((i) => i.timelineOmitted !== undefined);
    expect(cut.length).toBeGreaterThan(10);
    for (const inc of cut) {
      const one = await h.incident(inc.id);
      expect(one, inc.id).toEqual(expected.find((e) => e.id === inc.id));
      expect(one!.timeline.length).toBeGreaterThan(50);
    }
    // One read of the whole journal (the list's); each opening read its span, a fraction of the journal.
    expect(wholeReads).toBe(1);
    expect(spanBytes).toHaveLength(cut.length);
    for (const b of spanBytes) expect(b).toBeLessThan(total / 4);
    expect(await h.incident('inc-none')).toBeUndefined();
    expect(wholeReads).toBe(1);
  }, 60_000);
});
