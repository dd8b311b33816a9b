// The log redactor reads a service's output a line at a time; a line that never ends must not be held whole (a 600 MB
// line without a newline took the redactor to 600 MB and then down, and the service with it on EPIPE).
import { StringDecoder } from 'node:string_decoder';

/** A line longer than this is written in pieces of at most this many characters, as journald splits at LineMax. */
export const LINE_MAX_CHARS = 64 * 1024;

/** Where to cut an over-long line: after the last whitespace in its second half (a token stays whole), else at max. */
function cutPoint(text: string, max: number): number {
  for (let i = max - 1; i >= max / 2; i--) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09) return i + 1;
  }
  // Never between the two halves of a surrogate pair.
  const high = text.charCodeAt(max - 1);
  return high >= 0xd800 && high <= 0xdbff ? max - 1 : max;
}

/**
 * Splits a byte stream into lines as readline does (`\n`, `\r\n` or a lone `\r` ends a line; UTF-8 characters split
 * across chunks stay whole), holding at most `max` characters of an unfinished line: past that, it comes out in pieces.
 */
export class BoundedLines {
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly max: number = LINE_MAX_CHARS) {}

  /** The lines this chunk completes (without their line ends), and pieces of a line that outgrew the bound. */
  push(chunk: Buffer | string): string[] {
    const text = this.pending + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const parts = text.split(/\r\n|\n|\r(?!$)/);
    let rest = parts.pop() ?? '';
    const out: string[] = [];
    for (const p of parts) out.push(...this.pieces(p, true));
    // A `\r` at the very end may be the first half of `\r\n`: it stays pending until the next chunk says.
    const cr = rest.endsWith('\r');
    if (cr) rest = rest.slice(0, -1);
    const tail = this.pieces(rest, false);
    this.pending = (tail.pop() ?? '') + (cr ? '\r' : '');
    out.push(...tail);
    return out;
  }

  /** The unfinished last line, if any, once the stream has ended. */
  end(): string[] {
    const rest = (this.pending + this.decoder.end()).replace(/\r$/, '');
    this.pending = '';
    return rest === '' ? [] : this.pieces(rest, true);
  }

  /** `line` cut into pieces of at most max; when `whole` is false the last piece is the unfinished rest (maybe ''). */
  private pieces(line: string, whole: boolean): string[] {
    const out: string[] = [];
    let rest = line;
    while (rest.length > this.max) {
      const at = cutPoint(rest, this.max);
      out.push(rest.slice(0, at));
      rest = rest.slice(at);
    }
    if (whole && rest === '' && out.length > 0) return out;
    out.push(rest);
    return out;
  }
}
