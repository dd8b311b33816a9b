// The journal writer when something that is not a regular file takes journal.jsonl's place (a FIFO, a link to a
// device): the lines must stay buffered and the fault be reported, not vanish into a pipe or block the daemon.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { JournalWriter } from '../../src/observe/journal.js';
import { scanJournal } from '../../src/observe/journal-read.js';
import { makeSpecial, type SpecialKind } from '../helpers/special-files.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ev = (i: number): ClawbackEvent => ({ type: 'service.exited', time: i, severity: 'warning', message: `exit ${i}` });

describe('JournalWriter with a special file in the journal place', () => {
  it.each<SpecialKind>(['fifo', 'link-to-fifo', 'link-to-dev-zero'])('%s: lines stay buffered, the fault names the path and what to do, and they land once a regular file is back', async (kind) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-journal-special-'));
    dirs.push(dir);
    const file = path.join(dir, 'journal.jsonl');
    await makeSpecial(kind, file);
    const clock = new FakeClock();
    const faults: NodeJS.ErrnoException[] = [];
    const recovered: Array<{ flushed: number; dropped: number }> = [];
    const j = new JournalWriter(file, { clock, onFault: (e) => faults.push(e as NodeJS.ErrnoException), onRecovered: (f) => recovered.push(f) });
    for (let i = 0; i < 3; i++) j.append(ev(i));
    expect(faults.length).toBeGreaterThan(0);
    expect(faults[0]!.code).toBe('ENOTREG');
    expect(faults[0]!.message).toContain(file);
    expect(faults[0]!.message).toContain('move it aside');
    expect(j.backlog()).toEqual({ buffered: 3, dropped: 0 });

    rmSync(file);
    clock.advance(1000);
    expect(j.backlog()).toEqual({ buffered: 0, dropped: 0 });
    expect(recovered).toEqual([{ flushed: 3, dropped: 0 }]);
    expect((await scanJournal(file)).events.map((e) => e.time)).toEqual([0, 1, 2]);
    j.close();
  });
});
