// A scan returns only after its file is closed: a journal deleted right after (a full-disk test's clean-up, a rotation)
// gives its space back at once, not whenever the thread pool gets to the close.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanJournal } from '../../src/observe/journal-read.js';

function openFdsOn(file: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // closed while we looked
    }
  }
  return n;
}

describe('scanJournal', () => {
  it('has closed the file when it returns, for a whole scan and an incident-only prefix', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-scan-close-'));
    try {
      const file = path.join(dir, 'journal.jsonl');
      const line = (i: number): string => JSON.stringify({ type: i % 2 ? 'incident.opened' : 'service.exited', time: i, severity: 'info', message: `m ${i}`, service: 's', incidentId: 'i1' });
      writeFileSync(file, Array.from({ length: 2000 }, (_, i) => line(i)).join('\n') + '\n');
      for (let round = 0; round < 20; round++) {
        const scan = await scanJournal(file);
        expect(scan.events.length).toBe(2000);
        expect(openFdsOn(file)).toBe(0);
        const tail = await scanJournal(file, { maxBytesPerFile: 4096 });
        expect(tail.corruptLines).toBe(0);
        expect(openFdsOn(file)).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
