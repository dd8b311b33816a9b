// One write larger than the log's maxBytes (a 50 MiB line into a 1 MiB log) was written whole: the live file grew to
// 50 MiB and stayed, then became a 50 MiB generation. The bound holds now: the write keeps its start, is cut within
// maxBytes, and the cut is said on its line. Real files, the daemon's own rotating stream.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RotatingFileStream } from '../../src/observe/log-rotation.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const MiB = 1024 * 1024;

describe('a single write larger than maxBytes', () => {
  it('a 50 MiB line into a 1 MiB log: every file stays within 1 MiB, the cut said, the lines around it whole', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-oversized-'));
    dirs.push(dir);
    const file = path.join(dir, 'own.log');
    const s = new RotatingFileStream({ file, maxBytes: MiB, keep: 2 });
    s.write('before\n');
    s.write(`{"msg":"${'x'.repeat(50 * MiB)}"}\n`);
    s.write('after\n');
    s.close();
    for (const name of readdirSync(dir)) expect(statSync(path.join(dir, name)).size, name).toBeLessThanOrEqual(MiB);
    const all = readdirSync(dir)
      .sort()
      .reverse()
      .map((n) => readFileSync(path.join(dir, n), 'utf8'))
      .join('');
    const lines = all.split('\n');
    expect(lines[0]).toBe('before');
    expect(lines[1]).toMatch(/^\{"msg":"x+… \[clawback: \d+ bytes of this write were cut: one write larger than the log's maxBytes \(1048576\) is not kept whole\]$/);
    const cut = Number(/clawback: (\d+) bytes/.exec(lines[1]!)![1]);
    // What was kept and what was cut add up to the write.
    expect(lines[1]!.indexOf('…') + cut).toBe(50 * MiB + 11);
    expect(lines[2]).toBe('after');
  });

  it('a cut never splits a character, also after a torn line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-oversized-'));
    dirs.push(dir);
    const file = path.join(dir, 'own.log');
    const s = new RotatingFileStream({ file, maxBytes: 4096, keep: 1 });
    s.write('torn without newline');
    s.write('é'.repeat(10_000) + '\n');
    s.close();
    for (const name of readdirSync(dir)) expect(statSync(path.join(dir, name)).size).toBeLessThanOrEqual(4096);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('\uFFFD');
    expect(text).toMatch(/^é+… \[clawback: \d+ bytes of this write were cut/);
  });
});
