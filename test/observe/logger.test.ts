import { existsSync, openSync, readFileSync, readdirSync, statSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.js';
import { RotatingFileStream, generationCap, rotateIfLarger, trimFlood } from '../../src/observe/log-rotation.js';
import { createLogger, type ClawbackLogger } from '../../src/observe/logger.js';
import { REDACTED, Redactor } from '../../src/observe/redact.js';

let dir: string;
const loggers: ClawbackLogger[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-logger-'));
});
afterEach(async () => {
  for (const l of loggers.splice(0)) l.close();
  await rm(dir, { recursive: true, force: true });
});

function logFiles(file: string): string[] {
  const base = path.basename(file);
  return readdirSync(path.dirname(file))
    .filter((f) => f === base || f.startsWith(`${base}.`))
    .sort();
}

/** Oldest file first: file.keep ... file.1, file. */
function allLines(file: string, keep: number): string[] {
  const out: string[] = [];
  for (let i = keep; i >= 1; i--) if (existsSync(`${file}.${i}`)) out.push(...readFileSync(`${file}.${i}`, 'utf8').split('\n').filter(Boolean));
  out.push(...readFileSync(file, 'utf8').split('\n').filter(Boolean));
  return out;
}

describe('createLogger', () => {
  it('rotates by size without losing or splitting lines', () => {
    const file = path.join(dir, 'logs', 'daemon.log');
    const logger = createLogger({ file, level: 'info', maxBytes: 4000, keep: 10, redactor: new Redactor() });
    loggers.push(logger);
    for (let i = 0; i < 200; i++) logger.info({ seq: i, pad: 'x'.repeat(40) }, 'line');
    logger.close();
    const files = logFiles(file);
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(statSync(path.join(dir, 'logs', f)).size).toBeLessThanOrEqual(4000);
    const seqs = allLines(file, 10).map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('keeps at most `keep` rotated files, the newest lines', () => {
    const file = path.join(dir, 'daemon.log');
    writeFileSync(`${file}.7`, 'stale generation from a larger keep\n');
    const logger = createLogger({ file, maxBytes: 1000, keep: 2, redactor: new Redactor() });
    loggers.push(logger);
    for (let i = 0; i < 300; i++) logger.info({ seq: i }, 'entry');
    logger.close();
    expect(logFiles(file)).toEqual(['daemon.log', 'daemon.log.1', 'daemon.log.2']);
    const seqs = allLines(file, 2).map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs[seqs.length - 1]).toBe(299);
    // Contiguous: the dropped lines are only the oldest ones.
    seqs.forEach((s, i) => expect(s).toBe(seqs[0]! + i));
  });

  it('redacts secrets in messages, fields, errors and child bindings', () => {
    const file = path.join(dir, 'daemon.log');
    const redactor = new Redactor(['s3cr3t-value-xyz']);
    const logger = createLogger({ file, level: 'debug', redactor, clock: new FakeClock(Date.parse('2024-01-02T03:04:05Z')) });
    loggers.push(logger);
    logger.info({ token: 'abcd1234', nested: { url: 'https://hooks.slack.com/services/T00/B00/XXXX' } }, 'using key %s', 's3cr3t-value-xyz');
    logger.error(new Error('upstream said Bearer abcdefghijklmnop'));
    logger.warn({ err: new Error('password=hunter22 rejected') });
    logger.child({ service: 'gw' }).warn('config has password=hunter22');
    logger.trace('not written at debug');
    logger.close();
    const text = readFileSync(file, 'utf8');
    for (const secret of ['s3cr3t-value-xyz', 'abcd1234', 'XXXX', 'abcdefghijklmnop', 'hunter22']) expect(text).not.toContain(secret);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ level: 'info', time: '2024-01-02T03:04:05.000Z', msg: `using key ${REDACTED}`, token: REDACTED });
    expect(lines[1]).toMatchObject({ level: 'error', msg: `upstream said Bearer ${REDACTED}` });
    expect(lines[1]!.err).toMatchObject({ type: 'Error', message: `upstream said Bearer ${REDACTED}` });
    expect((lines[1]!.err as { stack: string }).stack).toContain('Error: upstream said');
    expect(lines[2]).toMatchObject({ level: 'warn', msg: `password=${REDACTED} rejected` });
    expect(lines[3]).toMatchObject({ service: 'gw', msg: `config has password=${REDACTED}` });
  });
});

describe('RotatingFileStream', () => {
  it('continues an existing file and counts its size', () => {
    const file = path.join(dir, 'x.log');
    writeFileSync(file, 'a'.repeat(90) + '\n');
    const s = new RotatingFileStream({ file, maxBytes: 100, keep: 1 });
    expect(s.size).toBe(91);
    s.write('b'.repeat(20) + '\n'); // would pass 100: rotate first
    s.write('c'.repeat(20) + '\n');
    s.close();
    s.close();
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('a'.repeat(90) + '\n');
    expect(readFileSync(file, 'utf8')).toBe('b'.repeat(20) + '\n' + 'c'.repeat(20) + '\n');
    expect(s.write('late\n')).toBe(false);
  });
});

describe('rotateIfLarger (copy-truncate)', () => {
  it('leaves small files alone and copes with a missing file', async () => {
    const file = path.join(dir, 'svc.log');
    expect(await rotateIfLarger(file, 100, 3)).toBe(false);
    writeFileSync(file, 'small\n');
    expect(await rotateIfLarger(file, 100, 3)).toBe(false);
    expect(logFiles(file)).toEqual(['svc.log']);
  });

  it('copies then truncates under a writer holding an O_APPEND fd, keeping at most `keep` files', async () => {
    const file = path.join(dir, 'svc.log');
    const fd = openSync(file, 'a'); // as the supervised child holds its log
    try {
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 20; i++) writeSync(fd, `round ${round} line ${i}\n`);
        const size = statSync(file).size;
        expect(await rotateIfLarger(file, 100, 3)).toBe(true);
        expect(statSync(file).size).toBe(0);
        expect(statSync(`${file}.1`).size).toBe(size);
        expect(readFileSync(`${file}.1`, 'utf8').startsWith(`round ${round} line 0\n`)).toBe(true);
      }
      writeSync(fd, 'after rotation\n');
    } finally {
      closeSync(fd);
    }
    // The writer's next append lands at offset 0: no hole of NUL bytes.
    expect(readFileSync(file, 'utf8')).toBe('after rotation\n');
    expect(logFiles(file)).toEqual(['svc.log', 'svc.log.1', 'svc.log.2', 'svc.log.3']);
    expect(readFileSync(`${file}.3`, 'utf8').startsWith('round 2 line 0\n')).toBe(true);
  });

  it('a flood far past the cap keeps the newest maxBytes from a line start, marks what it dropped and reports it', async () => {
    const file = path.join(dir, 'svc.log');
    const maxBytes = 64 * 1024;
    const line = (i: number): string => `line ${String(i).padStart(8, '0')} ${'x'.repeat(80)}\n`;
    const fd = openSync(file, 'a');
    let total = 0;
    let last = 0;
    try {
      for (let i = 0; total < 5 * generationCap(maxBytes); i++) {
        total += writeSync(fd, line(i));
        last = i;
      }
      let dropped = 0;
      expect(await rotateIfLarger(file, maxBytes, 2, { onDropped: (n) => (dropped = n) })).toBe(true);
      const kept = readFileSync(`${file}.1`, 'utf8');
      // Before: the whole 5 MiB was copied into file.1, however large the flood made it.
      expect(kept.length).toBeLessThanOrEqual(generationCap(maxBytes) + 200);
      const [marker, first] = kept.split('\n', 2);
      expect(marker).toMatch(/^\[clawback\] \d+ bytes of output before this line were dropped: the service wrote faster than its log rotates \(logs\.maxBytes 65536\)$/);
      expect(Number(/\] (\d+) bytes/.exec(marker!)![1])).toBe(dropped);
      expect(first).toMatch(/^line \d{8} x+$/); // a whole line, not a cut one
      expect(kept.endsWith(line(last))).toBe(true); // the newest output is kept
      expect(dropped + kept.length - marker!.length - 1).toBe(total);
      expect(statSync(file).size).toBe(0);
    } finally {
      closeSync(fd);
    }
  });

  it('trimFlood empties a log past the cap, leaving a marker line, and leaves a smaller one alone', async () => {
    const file = path.join(dir, 'svc.log');
    writeFileSync(file, 'y'.repeat(generationCap(1024)));
    expect(await trimFlood(file, 1024)).toBe(0);
    writeFileSync(file, 'y'.repeat(generationCap(1024) + 1));
    expect(await trimFlood(file, 1024)).toBe(generationCap(1024) + 1);
    expect(readFileSync(file, 'utf8')).toBe(`[clawback] ${generationCap(1024) + 1} bytes of output before this line were dropped: the service wrote faster than its log rotates (logs.maxBytes 1024)\n`);
    expect(await trimFlood(path.join(dir, 'missing.log'), 1024)).toBe(0);
  });
});
