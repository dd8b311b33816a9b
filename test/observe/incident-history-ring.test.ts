// /api/incidents kept every incident's whole timeline while it read the journal and cut each to its newest 50 events
// after: 4.5 s and +294 MB RSS (43 -> 337 MB) to answer a 349 MiB journal of long incidents. The fold now keeps each
// incident's newest events only (a ring) and counts the rest; a whole timeline (by id, ?timeline=full) is read again.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentHistory } from '../../src/observe/incident-history.js';
import { IncidentFold, LIST_TIMELINE_EVENTS, cutTimeline, summarizeIncidents } from '../../src/observe/incidents.js';
import { readJournal } from '../../src/observe/journal-read.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmpJournal(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-history-ring-'));
  dirs.push(dir);
  return path.join(dir, 'journal.jsonl');
}

const j = (o: Record<string, unknown>): string => `${JSON.stringify({ severity: 'info', message: String(o.type), ...o })}\n`;

/** Two incidents of `per` restarts each (an action and an id-less exit per restart), a daemon restart among them. */
function longIncidents(per: number): string[] {
  const parts: string[] = [];
  for (const k of [0, 1]) {
    const id = `inc-${k}`;
    const svc = `svc${k}`;
    const t0 = 1_000_000 + k * 10_000_000;
    parts.push(j({ type: 'incident.opened', time: t0, service: svc, incidentId: id, level: 0, details: { reason: 'exited' } }));
    for (let i = 1; i <= per; i++) {
      parts.push(j({ type: 'incident.action', time: t0 + i * 2, service: svc, incidentId: id, level: 1, message: `restart ${i} ${'x'.repeat(100)}`, details: { action: 'restart' } }));
      parts.push(j({ type: 'service.exited', time: t0 + i * 2 + 1, service: svc, message: `exited ${i} ${'y'.repeat(100)}`, details: { code: 1 } }));
      if (i === per >> 1) parts.push(j({ type: 'daemon.started', time: t0 + i * 2 + 1 }));
    }
    if (k === 0) parts.push(j({ type: 'incident.resolved', time: t0 + per * 2 + 5, service: svc, incidentId: id, level: 0, details: { ttrMs: 5 } }));
  }
  return parts;
}

describe('the incident fold keeps each timeline newest events only', () => {
  it('answers as the whole fold cut afterwards did, with the counts it left out', () => {
    const events = longIncidents(300).map((l) => JSON.parse(l) as ClawbackEvent);
    const whole = summarizeIncidents(events, { inJournalOrder: true });
    for (const keep of [0, 1, 7, LIST_TIMELINE_EVENTS, 299, 1000]) {
      const fold = new IncidentFold({ keep });
      for (const e of events) fold.add(e);
      expect(fold.summaries(), `keep ${keep}`).toEqual(whole.map((inc) => cutTimeline(inc, keep)));
    }
    const one = new IncidentFold({ keep: 3, whole: 'inc-1' });
    for (const e of events) one.add(e);
    expect(one.summaries()[1]).toEqual(whole[1]);
    expect(one.summaries()[0]).toEqual(cutTimeline(whole[0]!, 3));
  });

  it('holds the newest events while reading a journal of long incidents; the whole timeline by id or in full', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const file = tmpJournal();
    // 2 incidents of 15 000 restarts: 60 000 of their events, ~15 MB as whole timelines held.
    const parts = longIncidents(15_000);
    const half = parts.length >> 1;
    writeFileSync(`${file}.1`, parts.slice(0, half).join(''));
    writeFileSync(file, parts.slice(half).join(''));
    parts.length = 0;

    let low = Infinity;
    let high = 0;
    let sampling = true;
    const sample = async (): Promise<void> => {
      for (let i = 0; sampling && i < 100_000; i++) {
        await new Promise((r) => setTimeout(r, 5));
        gc();
        const used = v8.getHeapStatistics().used_heap_size;
        low = Math.min(low, used);
        high = Math.max(high, used);
      }
    };
    const h = incidentHistory(file);
    const sampler = sample();
    const list = await h.incidents();
    sampling = false;
    await sampler;
    expect(list).toHaveLength(2);
    // Whole timelines held until the cut: +15 MB by the end of the read; the newest 50 of each: the reader's buffers.
    expect((high - low) / 1024 / 1024).toBeLessThan(6);

    const expected = summarizeIncidents(await readJournal(file, { incidentLinesBeforeCut: true }), { inJournalOrder: true });
    expect(expected[0]!.timeline.length).toBeGreaterThan(30_000);
    expect(list).toEqual(expected.map((inc) => cutTimeline(inc, LIST_TIMELINE_EVENTS)));
    expect(list[0]!.timelineOmitted).toBe(expected[0]!.timeline.length - LIST_TIMELINE_EVENTS);
    expect(list[0]!.actionsOmitted).toBe(15_000 - LIST_TIMELINE_EVENTS);
    expect(await h.list(3)).toEqual(expected.map((inc) => cutTimeline(inc, 3)));
    expect(await h.list(500)).toEqual(expected.map((inc) => cutTimeline(inc, 500)));
    expect(await h.list(Infinity)).toEqual(expected);
    expect(await h.incident('inc-0')).toEqual(expected[0]);
    expect(await h.incident('inc-1')).toEqual(expected[1]);
    expect(await h.incident('inc-9')).toBeUndefined();
  }, 60_000);
});
