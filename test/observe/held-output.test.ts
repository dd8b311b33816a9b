// The output held while a log cannot be written is bounded: the oldest goes, counted, and the line says how much.
import { describe, expect, it } from 'vitest';
import { HeldOutput } from '../../src/observe/held-output.js';

describe('held output', () => {
  it('keeps the newest bytes up to its bound and says what was lost', () => {
    const h = new HeldOutput(100);
    for (let i = 0; i < 30; i++) h.hold(Buffer.from(`line ${String(i).padStart(4, '0')}\n`), 'EROFS: read-only file system', 1_000);
    const text = h.pending('/x/svc.log', 2_000).toString();
    const [marker, ...rest] = text.split('\n');
    expect(marker).toBe('[clawback] /x/svc.log could not be written from 1970-01-01T00:00:01.000Z to 1970-01-01T00:00:02.000Z (EROFS: read-only file system): 200 bytes (20 lines) of output were lost; the 100 bytes held in memory meanwhile (at most 100) follow');
    expect(rest.join('\n')).toBe(Array.from({ length: 10 }, (_, i) => `line ${String(i + 20).padStart(4, '0')}`).join('\n') + '\n');
    h.clear();
    expect(h.empty).toBe(true);
  });

  it('keeps the tail of one chunk larger than the bound', () => {
    const h = new HeldOutput(10);
    h.hold(Buffer.from('abcdefghij0123456789'), 'ENOSPC', 0);
    expect(h.pending('f', 0).toString()).toMatch(/: 10 bytes \(0 lines\) of output were lost; the 10 bytes held in memory meanwhile \(at most 10\) follow\n0123456789$/);
  });
});
