// `clawback doctor` journals with its own writer while the daemon appends to the same file. A line above a page is
// seen mid-write by the other writer (the size grows page by page), which took it for a torn line: a "\n" and a false
// "the writer was killed mid-line" note after it (88 notes in 6000 lines of 20 KB). Two real processes, one real file.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const JOURNAL_JS = fileURLToPath(new URL('../../dist/observe/journal.js', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const WRITER = `
import { JournalWriter } from ${JSON.stringify(JOURNAL_JS)};
const [file, tag, n, size] = process.argv.slice(2);
const w = new JournalWriter(file, { maxBytes: 0 });
const pad = 'x'.repeat(Number(size));
for (let i = 0; i < Number(n); i++) w.append({ type: 'daemon.fault', time: i, severity: 'info', message: tag + '-' + i, details: { pad } });
w.close();
`;

function run(script: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

describe('two journal writers on one file', () => {
  it('lines above a page written at once by two processes all land whole, with no false torn-line note', async () => {
    // tmpfs (/dev/shm) where there is one: there a reader sees a big write mid-way nearly every time.
    const dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'cb-jw-'));
    dirs.push(dir);
    const script = path.join(dir, 'writer.mjs');
    writeFileSync(script, WRITER);
    const file = path.join(dir, 'journal.jsonl');
    const n = 2000;
    const codes = await Promise.all(['A', 'B'].map((tag) => run(script, [file, tag, String(n), '32000'])));
    expect(codes).toEqual([0, 0]);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const events = lines.map((l) => JSON.parse(l) as { message: string; details?: { effect?: string } });
    expect(events.filter((e) => e.details?.effect === 'journal-torn-line')).toEqual([]);
    expect(events).toHaveLength(2 * n);
    for (const tag of ['A', 'B']) expect(events.filter((e) => e.message.startsWith(`${tag}-`)).map((e) => e.message)).toEqual(Array.from({ length: n }, (_, i) => `${tag}-${i}`));
  }, 60_000);
});
