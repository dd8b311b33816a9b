// Lines of pending-events.jsonl that parse but are no event (`null`, `42`, an array, an object without a type): the
// compaction threw on them (`null.severity`) and held the whole queue back for good, or they went to the journal as
// they were. Real files in a temp dir, read by the daemon's reader and appended to by the guardian's writer.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendPendingEvent, PendingEventsReader } from '../../src/daemon/pending-events.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-pending-damaged-'));
  dirs.push(dir);
  return dir;
}

const event = (message: string, time: number, severity: ClawbackEvent['severity'] = 'info'): ClawbackEvent => ({ type: 'guardian.revived', time, severity, message });
const JUNK = ['null', '42', '"text"', '[1,2]', '{"type":"service.exited"}', '{"type":"x","time":1,"severity":"loud","message":"m"}', '{"type":"x","time":1,"severity":"info","message":"m","details":[1]}'];

function take(dir: string): ClawbackEvent[] {
  const got: ClawbackEvent[] = [];
  new PendingEventsReader(dir, () => 5_000).take((e) => got.push(e));
  return got;
}

describe('pending-events.jsonl lines that are no events', () => {
  it('are dropped and said in one warning; the events beside them are delivered', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'pending-events.jsonl'), [...JUNK, JSON.stringify(event('real', 1)), ''].join('\n'));
    const got = take(dir);
    expect(got.map((e) => e.message)).toEqual(['real', expect.stringContaining(`${JUNK.length} line(s) of pending-events.jsonl were not events`)]);
    expect(got[1]).toMatchObject({ type: 'daemon.housekeeping', severity: 'warning', details: { dropped: JUNK.length } });
    expect(readdirSync(dir).filter((n) => n.startsWith('pending-events.jsonl'))).toEqual([]);
  });

  it('in a queue past its bound do not hold it back: the daemon delivers the kept events and removes the claim', () => {
    const dir = tmp();
    const lines = ['null', ...Array.from({ length: 7000 }, (_, i) => JSON.stringify(event(`queued ${i} ${'x'.repeat(120)}`, 1000 + i))), JSON.stringify(event('the last warning', 9000, 'warning'))];
    writeFileSync(path.join(dir, 'pending-events.jsonl'), lines.join('\n') + '\n');
    const got = take(dir); // threw "Cannot read properties of null (reading 'severity')" and kept the claim for ever
    expect(got.map((e) => e.message)).toContain('the last warning');
    expect(got[0]).toMatchObject({ type: 'daemon.housekeeping', details: { droppedByType: expect.objectContaining({ unreadable: 1 }) } });
    expect(readdirSync(dir).filter((n) => n.startsWith('pending-events.jsonl'))).toEqual([]);
  });

  it('in a full queue do not stop the guardian from appending (its compaction drops them)', () => {
    const dir = tmp();
    const file = path.join(dir, 'pending-events.jsonl');
    const lines = ['null', ...Array.from({ length: 60 }, (_, i) => JSON.stringify(event(`queued ${i}`, 1000 + i)))];
    writeFileSync(file, lines.join('\n') + '\n');
    appendPendingEvent(dir, event('the guardian could not revive the daemon', 9000, 'critical'), 2048);
    expect(existsSync(file)).toBe(true);
    const kept = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(kept).not.toContain('null');
    expect(kept.some((l) => l.includes('could not revive'))).toBe(true);
  });
});
