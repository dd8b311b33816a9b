// The writer's torn-line check waited on the daemon's thread (Atomics.wait, 20 polls of 5 ms) for every torn line it
// found: 115-149 ms per append after a writer killed mid-line, probes and the API stalled meanwhile, even for a line
// torn long before. Now a line not written for 100 ms is torn at once, and one written just now (perhaps a live writer
// mid-line) is looked at again by the timer while the lines wait in memory: the thread never waits.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { JournalWriter } from '../../src/observe/journal.js';
import { FakeClock, systemClock } from '../../src/platform/clock.js';
import { waitFor } from '../helpers/processes.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const TORN = '{"type":"incident.resolved","time":17,"sev';

/** A journal whose last line a real writer left torn: it wrote part of a line and was killed. */
async function tornJournal(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-jtorn-'));
  dirs.push(dir);
  const file = path.join(dir, 'journal.jsonl');
  writeFileSync(file, '{"type":"daemon.started","time":1,"severity":"info","message":"up"}\n');
  const script = `require('fs').appendFileSync(${JSON.stringify(file)}, ${JSON.stringify(TORN)}); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitFor(() => readFileSync(file, 'utf8').endsWith(TORN), { timeoutMs: 20_000, message: 'the torn line' });
  child.kill('SIGKILL');
  await exited;
  return file;
}

const ours = (i: number): ClawbackEvent => ({ type: 'service.healthy', time: 100 + i, severity: 'info', message: `ours-${i}` });

describe('a torn last line', () => {
  it('written "just now" (mtime ahead of the clock): the appends wait in memory, not on the thread, then land after the note', async () => {
    const file = await tornJournal();
    // A wall clock stepped back, or a writer killed a moment ago: the line looks new, so perhaps still being written.
    const ahead = new Date(Date.now() + 60_000);
    utimesSync(file, ahead, ahead);
    const w = new JournalWriter(file, { clock: systemClock() });
    try {
      for (let i = 0; i < 3; i++) w.append(ours(i));
      // Returned without writing: the thread did not wait for the line to settle.
      expect(w.backlog().buffered).toBe(3);
      expect(readFileSync(file, 'utf8').endsWith(TORN)).toBe(true);
      // The timer's looks (bounded) find it unchanged: torn, ended, noted, and our lines follow whole.
      await waitFor(() => w.backlog().buffered === 0, { timeoutMs: 20_000, message: 'the buffered lines written' });
    } finally {
      w.close();
    }
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[1]).toBe(TORN);
    expect(lines[2]).toContain('"effect":"journal-torn-line"');
    expect(lines.slice(3, 6).map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['ours-0', 'ours-1', 'ours-2']);
  }, 60_000);

  it('left a while ago: ended and noted by the append itself', async () => {
    const file = await tornJournal();
    const before = new Date(statSync(file).mtimeMs - 10_000);
    utimesSync(file, before, before);
    const w = new JournalWriter(file, { clock: systemClock() });
    try {
      w.append(ours(0));
      expect(w.backlog().buffered).toBe(0);
    } finally {
      w.close();
    }
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[1]).toBe(TORN);
    expect(lines[2]).toContain('"effect":"journal-torn-line"');
    expect(lines[3]).toContain('ours-0');
  }, 60_000);

  it('torn an hour ago, seen by a writer on a clock that is not wall time: ended at once, never held by a timer that does not fire', async () => {
    // mtime is the kernel's wall clock: compared with an injected clock's now (a FakeClock's 2023), every torn line looked
    // "written just now" for ever, and the fake timer that was to look again never fired: the lines stayed in memory.
    const file = await tornJournal();
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(file, hourAgo, hourAgo);
    const w = new JournalWriter(file, { clock: new FakeClock() });
    try {
      w.append(ours(0));
      expect(w.backlog()).toEqual({ buffered: 0, dropped: 0 });
    } finally {
      w.close();
    }
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[1]).toBe(TORN);
    expect(lines[2]).toContain('"effect":"journal-torn-line"');
    expect(lines[3]).toContain('ours-0');
  }, 60_000);
});
