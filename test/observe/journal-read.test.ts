import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { readJournal, scanJournal } from '../../src/observe/journal-read.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function e(time: number, type: ClawbackEvent['type'] = 'service.started'): ClawbackEvent {
  return { type, time, severity: 'info', message: `${type} at ${time}`, service: 'gw' };
}

describe('readJournal', () => {
  it('skips and counts corrupt lines instead of failing', async () => {
    const file = path.join(dir, 'journal.jsonl');
    const lines = [
      JSON.stringify(e(1000)),
      'not json at all',
      '',
      JSON.stringify(e(2000, 'service.exited')),
      '[1,2,3]',
      JSON.stringify({ type: 'service.started', severity: 'info', message: 'no time' }),
      JSON.stringify({ ...e(2500), details: 'not an object' }),
      '   ',
      JSON.stringify(e(3000, 'service.restarting')),
      '{"type":"service.started","time":4000,"sev', // torn last line (crash mid-write)
    ];
    await writeFile(file, lines.join('\n'));
    const scan = await scanJournal(file);
    expect(scan.events.map((x) => x.time)).toEqual([1000, 2000, 3000]);
    expect(scan.corruptLines).toBe(5);
    expect(scan.corruptLineNumbers).toEqual([2, 5, 6, 7, 10]);
    expect(await readJournal(file)).toEqual([e(1000), e(2000, 'service.exited'), e(3000, 'service.restarting')]);
  });

  it('filters by time window and handles CRLF', async () => {
    const file = path.join(dir, 'journal.jsonl');
    await writeFile(file, [e(1000), e(2000), e(3000), e(4000)].map((x) => JSON.stringify(x)).join('\r\n') + '\r\n');
    expect((await readJournal(file, { since: 2000 })).map((x) => x.time)).toEqual([2000, 3000, 4000]);
    expect((await readJournal(file, { since: 2000, until: 4000 })).map((x) => x.time)).toEqual([2000, 3000]);
    expect((await scanJournal(file)).corruptLines).toBe(0);
  });

  it('treats a missing journal as empty', async () => {
    expect(await readJournal(path.join(dir, 'nope.jsonl'))).toEqual([]);
  });

  it('streams a large journal', async () => {
    const file = path.join(dir, 'journal.jsonl');
    const n = 20_000;
    const body = Array.from({ length: n }, (_, i) => JSON.stringify(e(i))).join('\n') + '\n';
    await writeFile(file, body);
    const events = await readJournal(file, { since: n - 10 });
    expect(events).toHaveLength(10);
    expect(events[0]!.time).toBe(n - 10);
  });
});

describe('journal rotation (bounded on disk and for its readers)', () => {
  it('rotates at a line boundary once the file reaches maxBytes, keeps `keep` generations, and readers see the newest rotated one and the live file', async () => {
    const { JournalWriter } = await import('../../src/observe/journal.js');
    const { readdir, readFile } = await import('node:fs/promises');
    const file = path.join(dir, 'journal.jsonl');
    const w = new JournalWriter(file, { maxBytes: 1000, keep: 2 });
    const lineBytes = Buffer.byteLength(JSON.stringify(e(1_000_000)) + '\n');
    const n = 60;
    for (let i = 0; i < n; i++) w.append(e(1_000_000 + i));
    w.close();
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(['journal.jsonl', 'journal.jsonl.1', 'journal.jsonl.2']);
    const perFile = Math.ceil(1000 / lineBytes);
    for (const g of ['journal.jsonl.1', 'journal.jsonl.2']) {
      const text = await readFile(path.join(dir, g), 'utf8');
      // Whole lines only, and rotated as soon as the size was reached.
      expect(text.endsWith('\n')).toBe(true);
      expect(text.split('\n').filter(Boolean).every((l) => JSON.parse(l).type === 'service.started')).toBe(true);
      expect(text.split('\n').filter(Boolean)).toHaveLength(perFile);
    }
    const live = (await readJournal(file)).map((x) => x.time - 1_000_000);
    // The live file holds what came after the last rotation, the reader prepends journal.jsonl.1.
    const liveLines = n % perFile || perFile;
    expect(live).toEqual(Array.from({ length: perFile + liveLines }, (_, i) => n - perFile - liveLines + i));
    const all = (await readJournal(file, { rotated: 2 })).map((x) => x.time - 1_000_000);
    expect(all).toEqual(Array.from({ length: 2 * perFile + liveLines }, (_, i) => n - 2 * perFile - liveLines + i));
    // The oldest generations beyond keep were dropped: the disk holds at most (keep + 1) files of ~maxBytes.
    expect(all[0]).toBeGreaterThan(0);
  });
});

describe('journal read bound', () => {
  it('a journal grown past the read bound (before rotation existed) is read by its newest part, never a torn first line', async () => {
    const file = path.join(dir, 'journal.jsonl');
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify(e(1_000_000 + i)));
    await writeFile(file, `${lines.join('\n')}\n`);
    const perLine = Buffer.byteLength(`${lines[0]}\n`);
    const scan = await scanJournal(file, { maxBytesPerFile: perLine * 100 + 7 });
    // 100 whole lines fit after the cut; the partial one before them is skipped, not counted as corrupt.
    expect(scan.corruptLines).toBe(0);
    expect(scan.events.map((x) => x.time - 1_000_000)).toEqual(Array.from({ length: 100 }, (_, i) => 1900 + i));
    expect((await readJournal(file)).length).toBe(2000);
  });
});

describe('journal after a crash mid-write', () => {
  it('a torn last line left by a killed writer does not swallow the next event appended', async () => {
    const { JournalWriter } = await import('../../src/observe/journal.js');
    const file = path.join(dir, 'journal.jsonl');
    // The previous daemon was SIGKILLed halfway through a line.
    await writeFile(file, `${JSON.stringify(e(1000))}\n{"type":"incident.opened","time":17`);
    const w = new JournalWriter(file);
    w.append(e(2000, 'daemon.started'));
    w.append(e(3000));
    w.close();
    const scan = await scanJournal(file);
    expect(scan.events.map((x) => x.time)).toEqual([1000, 2000, 3000]);
    expect(scan.corruptLines).toBe(1);
    expect(scan.corruptLineNumbers).toEqual([2]);
  });
});
