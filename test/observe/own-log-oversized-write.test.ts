// One write larger than the log's maxBytes (a 50 MiB line into a 1 MiB log) was written whole: the live file grew to
// 50 MiB and stayed, then became a 50 MiB generation. The bound holds now: the write keeps its start, is cut within
// maxBytes, and the cut is said on its line. Real files, the daemon's own rotating stream.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RotatingFileStream } from '../../src/observe/log-rotation.js';
import { createLogger } from '../../src/observe/logger.js';
import { Redactor } from '../../src/observe/redact.js';

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
    // Still one JSON line (a reader skipped the text-noted one as not JSON): the message's start kept, the cut said.
    const cutLine = JSON.parse(lines[1]!) as { msg: string; cut: { bytes: number; why: string } };
    expect(cutLine.msg).toMatch(/^x+…$/);
    expect(cutLine.cut.why).toBe("one write larger than the log's maxBytes (1048576) is not kept whole");
    // The line is shorter than the write by the bytes said.
    expect(Buffer.byteLength(lines[1]!) + 1 + cutLine.cut.bytes).toBe(50 * MiB + 11);
    expect(lines[2]).toBe('after');
  });

  it("the daemon's own logger: an error with a 500 kB message and stack stays one JSON line, level/time/err kept", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-oversized-'));
    dirs.push(dir);
    const file = path.join(dir, 'daemon.log');
    const log = createLogger({ file, maxBytes: 64 * 1024, keep: 2, redactor: new Redactor() });
    log.info('before');
    log.error({ err: new Error(`boom ${'y'.repeat(200_000)}`), detail: 'z'.repeat(300_000) }, `huge ${'x'.repeat(500_000)}`);
    log.info('after');
    log.destination.close();
    const lines = ['daemon.log.2', 'daemon.log.1', 'daemon.log']
      .filter((n) => readdirSync(dir).includes(n))
      .flatMap((n) => readFileSync(path.join(dir, n), 'utf8').split('\n'))
      .filter((l) => l !== '');
    for (const name of readdirSync(dir)) expect(statSync(path.join(dir, name)).size, name).toBeLessThanOrEqual(64 * 1024);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((o) => String(o['msg']).slice(0, 6))).toEqual(['before', 'huge x', 'after']);
    const cut = parsed[1]!;
    expect(cut['level']).toBe('error');
    expect(typeof cut['time']).toBe('string');
    expect(String((cut['err'] as { message: string }).message)).toMatch(/^boom y+…$/);
    expect((cut['cut'] as { bytes: number }).bytes).toBeGreaterThan(900_000);
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
