// Opening one incident reads only its span of the journal (the list's read records where each incident's lines lie).
// The places were counted from the decoded text: a CRLF line (one byte short per line), invalid UTF-8 (1 byte read as
// the 3 of U+FFFD) or a lone CR before an incident put its span off, and every opening fell back to a read of the whole
// journal. Places are counted in bytes now: exact whatever the lines hold.
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentHistory, type JournalSpanStream, type JournalStream } from '../../src/observe/incident-history.js';
import { readJournalIncidents, scanJournalWindow } from '../../src/observe/journal-incidents.js';
import { readJournalSpan, scanJournal, type JournalAt } from '../../src/observe/journal-read.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { JOURNAL_KEEP } from '../../src/observe/journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const j = (o: Record<string, unknown>): string => JSON.stringify({ severity: 'info', message: String(o.type), ...o });

/** Incidents with long timelines, each preceded by an odd line: CRLF, invalid UTF-8, a lone CR, multi-byte text. */
function journalBytes(t0: number, ids: string[], bom: boolean): Buffer {
  const parts: Buffer[] = [];
  if (bom) parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
  let t = t0;
  ids.forEach((id, k) => {
    const s = `svc${k}`;
    // The odd lines before this incident's opening.
    parts.push(Buffer.from(`${j({ type: 'daemon.note', time: t++, message: 'crlf ende' })}\r\n`));
    parts.push(Buffer.concat([Buffer.from('{"type":"x","bad":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]), Buffer.from('"}\n')]));
    parts.push(Buffer.from(`${j({ type: 'daemon.note', time: t++, message: 'a' })}\r${j({ type: 'daemon.note', time: t++, message: 'b' })}\n`));
    parts.push(Buffer.from(`${j({ type: 'service.exited', time: t++, service: s, message: 'Größe 🚀 日本語 ✓' })}\n`));
    parts.push(Buffer.from(`${j({ type: 'incident.opened', time: t++, service: s, incidentId: id, level: 0, details: { reason: `crash 🚀 ${id}` } })}\n`));
    for (let i = 0; i < 80; i++) {
      parts.push(Buffer.from(`${j({ type: 'incident.action', time: t++, service: s, incidentId: id, level: 1, message: `Neustart ü ${i}`, details: { action: 'restart' } })}\r\n`));
      parts.push(Buffer.from(`${j({ type: 'service.exited', time: t++, service: s, message: `exit 日本 ${i}` })}\n`));
      if (i % 20 === 0) parts.push(Buffer.concat([Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80]), Buffer.from('\n')]));
    }
    parts.push(Buffer.from(`${j({ type: 'incident.resolved', time: t++, service: s, incidentId: id, level: 0, details: { outcome: 'auto-resolved', ttrMs: 5 } })}\n`));
  });
  return Buffer.concat(parts);
}

function counting(): { read: JournalStream; readSpan: JournalSpanStream; whole: () => number; spans: () => number } {
  let whole = 0;
  let spans = 0;
  return {
    read: async (f, onEvent) => {
      whole++;
      await scanJournalWindow(f, onEvent);
    },
    readSpan: async (f, from, to, onEvent) => {
      spans++;
      return readJournalSpan(f, { rotated: JOURNAL_KEEP, incidentLinesBeforeCut: true }, from, to, onEvent);
    },
    whole: () => whole,
    spans: () => spans,
  };
}

describe('incident spans are counted in bytes', () => {
  for (const bom of [false, true]) {
    it(`opens each incident from its span alone after CRLF, invalid UTF-8, a lone CR and multi-byte lines${bom ? ' (journal starts with a BOM)' : ''}`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-span-bytes-'));
      dirs.push(dir);
      const file = path.join(dir, 'journal.jsonl');
      writeFileSync(`${file}.1`, journalBytes(1_000_000, ['inc-a', 'inc-b'], bom));
      writeFileSync(file, journalBytes(2_000_000, ['inc-c', 'inc-d', 'inc-e'], bom));
      const c = counting();
      const h = incidentHistory(file, c.read, c.readSpan);
      const list = await h.incidents();
      expect(list.map((i) => i.id)).toEqual(['inc-a', 'inc-b', 'inc-c', 'inc-d', 'inc-e']);
      expect(c.whole()).toBe(1);
      const expected = (await readJournalIncidents(file)).incidents;
      for (const inc of list) {
        expect(inc.timelineOmitted, inc.id).toBeGreaterThan(0);
        const one = await h.incident(inc.id);
        expect(one, inc.id).toEqual(expected.find((e) => e.id === inc.id));
        expect(one!.timeline.length).toBeGreaterThan(160);
      }
      // Each opening read its span only: no read of the whole journal after the list's.
      expect(c.spans()).toBe(5);
      expect(c.whole()).toBe(1);
    });
  }

  it('answers from the journal as it is now when it was rotated or truncated between the list and the opening', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-span-bytes-'));
    dirs.push(dir);
    const file = path.join(dir, 'journal.jsonl');
    writeFileSync(file, journalBytes(1_000_000, ['inc-a', 'inc-b', 'inc-c'], false));
    const c = counting();
    const h = incidentHistory(file, c.read, c.readSpan);
    expect((await h.incidents()).map((i) => i.id)).toEqual(['inc-a', 'inc-b', 'inc-c']);
    // Rotated: the live file becomes .1 and a new one starts.
    renameSync(file, `${file}.1`);
    appendFileSync(file, journalBytes(3_000_000, ['inc-d'], false));
    let expected = (await readJournalIncidents(file)).incidents;
    for (const id of ['inc-b', 'inc-d']) expect(await h.incident(id), id).toEqual(expected.find((e) => e.id === id));
    // Truncated in the middle of inc-b's lines (a person cut the file): the opening answers what is there now.
    const before = (await h.incidents()).length;
    expect(before).toBe(4);
    const raw = journalBytes(1_000_000, ['inc-a', 'inc-b', 'inc-c'], false);
    truncateSync(`${file}.1`, Math.floor(raw.length / 2));
    expected = (await readJournalIncidents(file)).incidents;
    for (const id of ['inc-a', 'inc-b', 'inc-d']) expect(await h.incident(id), id).toEqual(expected.find((e) => e.id === id));
    expect(await h.incident('inc-c')).toEqual(expected.find((e) => e.id === 'inc-c'));
  });

  it('records each line\'s exact bytes when a CRLF, a multi-byte character or an invalid byte straddles a read chunk', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-span-bytes-'));
    dirs.push(dir);
    const file = path.join(dir, 'journal.jsonl');
    const lines: Buffer[] = [];
    let size = 0;
    const add = (b: Buffer): void => {
      lines.push(b);
      size += b.length;
    };
    // Each 64 KiB boundary of the stream's chunks falls in turn on a CRLF's two bytes, inside a 4-byte character, and on
    // an invalid byte: a filler line is sized so the next line's interesting byte lands there.
    const shapes = [(t: number) => Buffer.from(`${j({ type: 'daemon.note', time: t, message: 'x' })}\r\n`), (t: number) => Buffer.from(`${j({ type: 'daemon.note', time: t, message: '🚀🚀🚀🚀' })}\n`), (t: number) => Buffer.concat([Buffer.from([0xff, 0xc3]), Buffer.from(`\n`)])];
    const at = [(b: Buffer) => b.length - 2, (b: Buffer) => b.indexOf(Buffer.from('🚀')) + 2, () => 1];
    let t = 1;
    for (let k = 0; k < 9; k++) {
      const boundary = (k + 1) * 64 * 1024;
      const shape = shapes[k % 3]!(t++);
      const inside = at[k % 3]!(shape);
      const fill = boundary - size - inside - 1;
      const head = `{"type":"daemon.note","time":${t++},"severity":"info","message":"`;
      add(Buffer.from(`${head}${'f'.repeat(fill - head.length - 3)}"}\n`));
      expect(size + inside + 1).toBe(boundary);
      add(shape);
      add(Buffer.from(`${j({ type: 'daemon.note', time: t++, message: 'after' })}\r`));
    }
    add(Buffer.from(j({ type: 'daemon.note', time: t++, message: 'last, no line end' })));
    const bytes = Buffer.concat(lines);
    writeFileSync(file, bytes);
    const seen: { e: ClawbackEvent; at: JournalAt }[] = [];
    const scan = await scanJournal(file, { rotated: 0, onEventAt: (e, at) => seen.push({ e, at }) });
    expect(scan.corruptLines).toBe(3);
    expect(seen.length).toBe(lines.length - 3);
    for (const { e, at } of seen) {
      const text = readFileSync(file).subarray(at.offset, at.end).toString('utf8').replace(/\r?\n?$|\r$/, '');
      expect(JSON.parse(text)).toEqual(e);
    }
    // Each line's end is the next line's start.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.at.offset).toBeGreaterThanOrEqual(seen[i - 1]!.at.end);
    expect(seen.at(-1)!.at.end).toBe(bytes.length);
  });
});
