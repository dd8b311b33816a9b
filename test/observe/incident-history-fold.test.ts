// /api/incidents folds the journal as it reads it, as `clawback incidents` does: it read the live file and .1 as whole
// event lists first (a real daemon on a 200 000-event journal: RSS 62 -> 120 MB to answer). Same answers as before:
// summarizeIncidents over every event, compared on a journal with torn lines, id-less events and daemon restarts.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentHistory } from '../../src/observe/incident-history.js';
import { summarizeIncidents } from '../../src/observe/incidents.js';
import { readJournal } from '../../src/observe/journal-read.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmpJournal(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-history-fold-'));
  dirs.push(dir);
  return path.join(dir, 'journal.jsonl');
}

const j = (o: Record<string, unknown>): string => `${JSON.stringify({ severity: 'info', message: String(o.type), ...o })}\n`;

describe('/api/incidents folds the journal as it reads', () => {
  it('holds the incidents, not the events, while reading a large journal', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const file = tmpJournal();
    // 120 000 events in .1 and the live file, 20 incidents among them.
    const parts: string[] = [];
    for (let i = 0; i < 120_000; i++) {
      const t = 1_000_000 + i * 10;
      if (i % 6000 === 0) {
        parts.push(j({ type: 'incident.opened', time: t, service: 'web', incidentId: `inc-${i}`, level: 0, details: { reason: 'exited' } }));
        parts.push(j({ type: 'incident.resolved', time: t + 5, service: 'web', incidentId: `inc-${i}`, level: 0 }));
      } else parts.push(j({ type: 'service.healthy', time: t, service: `s${i % 7}` }));
    }
    writeFileSync(`${file}.1`, parts.slice(0, 60_000).join(''));
    writeFileSync(file, parts.slice(60_000).join(''));
    parts.length = 0;

    // The heap kept while the read runs, measured after a full GC between its chunks (bounded: ends with the read);
    // its growth from the lowest sample to the highest (a GC right before the read still found the writer's strings).
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
    const sampler = sample();
    const list = await incidentHistory(file).incidents();
    sampling = false;
    await sampler;
    expect(list).toHaveLength(20);
    // The events as a list: +16 MB held by the end of the read; folded: the 20 incidents and the reader's buffers.
    expect((high - low) / 1024 / 1024).toBeLessThan(6);
  });

  it('answers as summarizeIncidents over every event did', async () => {
    const file = tmpJournal();
    let older = '';
    let live = '';
    for (let i = 0; i < 60; i++) {
      const t = 2_000_000 + i * 1000;
      const id = `inc-${i}`;
      const svc = `svc${i % 4}`;
      let text =
        j({ type: 'incident.opened', time: t, service: svc, incidentId: id, level: 0, details: { reason: `exit ${i}`, recurrence: i % 5, firstIncidentId: 'inc-0' } }) +
        j({ type: 'service.exited', time: t + 1, service: svc, details: { code: 1 } }) +
        j({ type: 'incident.action', time: t + 2, service: svc, incidentId: id, level: 2, details: { action: 'doctor' } });
      if (i % 7 === 0) text += j({ type: 'daemon.started', time: t + 3 });
      if (i % 5 === 0) text += j({ type: 'incident.escalated', time: t + 4, service: svc, incidentId: id, level: 4, details: { reason: 'breaker' } });
      if (i % 9 === 0) text += j({ type: 'service.stopped', time: t + 5, service: svc, incidentId: id, details: { keptDown: 'never' } });
      if (i % 11 === 0) text += '{"type":"incident.resolved","time":\n';
      else if (i % 3 !== 0) text += j({ type: 'incident.resolved', time: t + 6, service: svc, incidentId: id, level: 0, details: { ttrMs: 6, ...(i % 4 === 1 ? { closedBy: 'stop' } : {}) } });
      if (i < 30) older += text;
      else live += text;
    }
    writeFileSync(`${file}.1`, older);
    writeFileSync(file, live);
    appendFileSync(file, 'not json\n');
    const expected = summarizeIncidents(await readJournal(file, { incidentLinesBeforeCut: true }), { inJournalOrder: true });
    const h = incidentHistory(file);
    expect(JSON.parse(JSON.stringify(await h.incidents()))).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(await h.incident('inc-33')).toEqual(expected.find((i) => i.id === 'inc-33'));
  });
});
