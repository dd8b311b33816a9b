// BoundedLines scans only the new chunk for line ends: a long line trickled 1 byte at a time costs linear time, and the
// lines it gives are byte-for-byte those of the old re-split-everything version on mixed inputs.
import { describe, expect, it } from 'vitest';
import { StringDecoder } from 'node:string_decoder';
import { BoundedLines, LINE_MAX_CHARS } from '../../src/observe/bounded-lines.js';
import { seededRandom } from '../../src/drill/chaos-schedule.js';

/** The previous implementation, kept here verbatim as the reference for the output (it re-split pending + chunk). */
function oldCutPoint(text: string, max: number): number {
  for (let i = max - 1; i >= max / 2; i--) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09) return i + 1;
  }
  const high = text.charCodeAt(max - 1);
  return high >= 0xd800 && high <= 0xdbff ? max - 1 : max;
}
class OldBoundedLines {
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');
  constructor(private readonly max: number = LINE_MAX_CHARS) {}
  push(chunk: Buffer | string): string[] {
    const text = this.pending + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const parts = text.split(/\r\n|\n|\r(?!$)/);
    let rest = parts.pop() ?? '';
    const out: string[] = [];
    for (const p of parts) out.push(...this.pieces(p, true));
    const cr = rest.endsWith('\r');
    if (cr) rest = rest.slice(0, -1);
    const tail = this.pieces(rest, false);
    this.pending = (tail.pop() ?? '') + (cr ? '\r' : '');
    out.push(...tail);
    return out;
  }
  end(): string[] {
    const rest = (this.pending + this.decoder.end()).replace(/\r$/, '');
    this.pending = '';
    return rest === '' ? [] : this.pieces(rest, true);
  }
  private pieces(line: string, whole: boolean): string[] {
    const out: string[] = [];
    let rest = line;
    while (rest.length > this.max) {
      const at = oldCutPoint(rest, this.max);
      out.push(rest.slice(0, at));
      rest = rest.slice(at);
    }
    if (whole && rest === '' && out.length > 0) return out;
    out.push(rest);
    return out;
  }
}

/** The drill's seeded generator (mulberry32), so a failure names a seed that reproduces it. */
const rng = seededRandom;

const ALPHABET = ['a', 'b', ' ', '\t', '\r', '\n', '\r\n', '€', '😀', 'xxxxxxxxxxxx', '\r\r', '\n\r'];

function run(lines: { push(c: Buffer | string): string[]; end(): string[] }, chunks: (Buffer | string)[]): string[][] {
  return [...chunks.map((c) => lines.push(c)), lines.end()];
}

describe('BoundedLines is linear and unchanged in output', () => {
  it('gives the same lines, chunk for chunk, as the old version on mixed random inputs', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const max = [3, 4, 7, 16, 100][seed % 5]!;
      let text = '';
      const len = 1 + Math.floor(r() * 200);
      for (let i = 0; i < len; i++) text += ALPHABET[Math.floor(r() * ALPHABET.length)];
      const bytes = Buffer.from(text);
      const chunks: (Buffer | string)[] = [];
      const asStrings = seed % 7 === 0;
      for (let at = 0; at < bytes.length; ) {
        const n = Math.min(bytes.length - at, Math.floor(r() * 12));
        if (asStrings) chunks.push(bytes.subarray(at, at + n).toString('latin1'));
        else chunks.push(bytes.subarray(at, at + n));
        at += n;
      }
      expect(run(new BoundedLines(max), chunks), `seed ${seed}, max ${max}`).toEqual(
        run(new OldBoundedLines(max), chunks),
      );
    }
  });

  it('takes a 256 KiB line in 1-byte chunks in time like that of the same bytes in short lines', () => {
    const n = 256 * 1024;
    const x = Buffer.from('x');
    const nl = Buffer.from('\n');
    const timed = (line: (i: number) => Buffer): { ms: number; out: string[] } => {
      const l = new BoundedLines();
      const out: string[] = [];
      const t = performance.now();
      for (let i = 0; i < n; i++) out.push(...l.push(line(i)));
      out.push(...l.push(nl));
      return { ms: performance.now() - t, out };
    };
    const short = timed((i) => (i % 64 === 63 ? nl : x));
    const long = timed(() => x);
    expect(long.out.map((p) => p.length)).toEqual([LINE_MAX_CHARS, LINE_MAX_CHARS, LINE_MAX_CHARS, LINE_MAX_CHARS]);
    expect(long.out.join('')).toBe('x'.repeat(n));
    // Generous: the quadratic version took seconds here (re-splitting up to 64 KiB for every byte).
    expect(long.ms, `short lines took ${Math.round(short.ms)} ms`).toBeLessThan(Math.max(2000, 10 * short.ms));
  });
});
