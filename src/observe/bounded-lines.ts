// The log redactor reads a service's output a line at a time; a line that never ends must not be held whole (a 600 MB
// line without a newline took the redactor to 600 MB and then down, and the service with it on EPIPE).
import { StringDecoder } from 'node:string_decoder';

/** A line longer than this is written in pieces of at most this many characters, as journald splits at LineMax. */
export const LINE_MAX_CHARS = 64 * 1024;

/** Where to cut an over-long line: after the last whitespace in its second half (a token stays whole), else at max. */
export function cutPoint(text: string, max: number): number {
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
  /** The unfinished line so far (never longer than max), without a `\r` that may yet be half of `\r\n`. */
  private pending = '';
  /** The last character seen was a `\r`: the line has ended unless the next character is `\n` (then `\r\n` did). */
  private cr = false;
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly max: number = LINE_MAX_CHARS) {}

  /**
   * The lines this chunk completes (without their line ends), and pieces of a line that outgrew the bound. Only the
   * new chunk is scanned for line ends, so a long line trickled in 1-byte chunks costs time linear in its length.
   */
  push(chunk: Buffer | string): string[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (text === '') return [];
    const out: string[] = [];
    let from = 0;
    if (this.cr) {
      // A `\r` at the end of the last chunk: this chunk says whether it was the first half of `\r\n`.
      this.cr = false;
      out.push(...this.pieces(this.pending, true));
      this.pending = '';
      if (text.charCodeAt(0) === 0x0a) from = 1;
    }
    let lineStart = from;
    // The next `\n` and `\r` found by the engine's own search, each looked for again only once passed.
    let lf = text.indexOf('\n', from);
    let cr = text.indexOf('\r', from);
    while (lf !== -1 || cr !== -1) {
      const i = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      if (i === cr && i === text.length - 1) {
        this.cr = true;
        break;
      }
      out.push(...this.pieces(this.pending + text.slice(lineStart, i), true));
      this.pending = '';
      lineStart = i === cr && lf === i + 1 ? i + 2 : i + 1;
      if (lf !== -1 && lf < lineStart) lf = text.indexOf('\n', lineStart);
      if (cr !== -1 && cr < lineStart) cr = text.indexOf('\r', lineStart);
    }
    const restEnd = this.cr ? text.length - 1 : text.length;
    if (lineStart < restEnd) this.pending += text.slice(lineStart, restEnd);
    if (this.pending.length > this.max) {
      const tail = this.pieces(this.pending, false);
      this.pending = tail.pop() ?? '';
      out.push(...tail);
    }
    return out;
  }

  /** The unfinished last line, if any, once the stream has ended. */
  end(): string[] {
    const rest = (this.pending + (this.cr ? '\r' : '') + this.decoder.end()).replace(/\r$/, '');
    this.pending = '';
    this.cr = false;
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
