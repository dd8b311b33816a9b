// Another writer's line still growing at the journal's end (a slow writer, a big line written in pieces) held each
// append of the daemon's writer for up to 1 s, its thread blocked in Atomics.wait: the daemon's event-loop lag went from
// 0.07 to 0.90 s, probes and the API stalled with it. A line seen growing is someone's and left alone at once.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JournalWriter } from '../../src/observe/journal.js';
import { waitFor } from '../helpers/processes.js';

const SLOW = `
import { appendFileSync, existsSync } from 'node:fs';
const [file, stop] = process.argv.slice(2);
appendFileSync(file, '{"type":"probe.ok","time":1,"severity":"info","message":"slow ');
while (!existsSync(stop)) { appendFileSync(file, 'x'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2); }
appendFileSync(file, '"}\\n');
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('an append beside a line still growing', () => {
  it('does not block the thread waiting for the other line to end, and adds no torn-line note', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-jgl-'));
    dirs.push(dir);
    const file = path.join(dir, 'journal.jsonl');
    const stop = path.join(dir, 'stop');
    writeFileSync(path.join(dir, 'slow.mjs'), SLOW);
    writeFileSync(file, '');
    const child = spawn(process.execPath, [path.join(dir, 'slow.mjs'), file, stop], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => readFileSync(file, 'utf8').length > 80, { timeoutMs: 10_000, message: 'the slow line to grow' });
      const w = new JournalWriter(file, { maxBytes: 0 });
      const took: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        w.append({ type: 'daemon.fault', time: i, severity: 'info', message: `ours-${i}` });
        took.push(performance.now() - t);
      }
      w.close();
      // Was up to 1000 ms each; now one or two polls (5 ms), with room for a loaded machine.
      expect(Math.max(...took), took.map((x) => x.toFixed(0)).join(', ')).toBeLessThan(300);
    } finally {
      writeFileSync(stop, '');
      await exited;
    }
    expect(readFileSync(file, 'utf8')).not.toContain('journal-torn-line');
  }, 30_000);
});
