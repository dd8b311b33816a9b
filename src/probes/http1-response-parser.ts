// An incremental HTTP/1.x response reader for health probes: status, framing, body up to a limit (pure, no I/O).

/** What the reader has seen so far: keep feeding, a complete answer, or a malformed stream. */
export type ParseProgress = 'more' | 'done' | 'malformed';

const CRLF = 0x0a; // framing is found by '\n' (a bare '\n' is tolerated, as Node's parser does)
/** Status line plus headers beyond this is not a health answer. */
export const MAX_HEAD_BYTES = 16 * 1024;

type BodyMode = 'none' | 'length' | 'chunked' | 'until-close';
type ChunkState = 'size' | 'data' | 'data-end' | 'trailers';

export class Http1ResponseParser {
  status = 0;
  /** The body read so far, at most maxBody bytes. */
  readonly chunks: Buffer[] = [];
  bodyBytes = 0;
  /** The body was longer than maxBody (or the connection ended before the framing said it would). */
  truncated = false;
  /** The connection ended before the framing said the answer was complete (content-length or last chunk not reached). */
  incomplete = false;
  /** The server lets the connection be reused for the next request. */
  keepAlive = false;
  error: string | undefined;
  /** Bytes of a response have arrived (a reused socket that closes before any is stale, not the service). */
  sawBytes = false;

  private head: Buffer | undefined;
  private inHead = true;
  private mode: BodyMode = 'none';
  private remaining = 0;
  private chunkState: ChunkState = 'size';
  private line: Buffer | undefined;
  private finished = false;

  constructor(
    private readonly maxBody: number,
    private readonly headRequest: boolean,
  ) {}

  push(data: Buffer): ParseProgress {
    if (this.finished) return this.error ? 'malformed' : 'done';
    if (data.length > 0) this.sawBytes = true;
    let rest: Buffer | undefined = data;
    if (this.inHead) {
      rest = this.readHead(data);
      if (this.error) return this.finish('malformed');
      if (this.inHead) return 'more';
      if (this.mode === 'none') return this.finish('done');
    }
    if (rest === undefined || rest.length === 0) return 'more';
    return this.readBody(rest);
  }

  /** The connection closed: an answer whose status arrived is still an answer (truncated if the framing was cut). */
  end(): ParseProgress {
    if (this.finished) return this.error ? 'malformed' : 'done';
    if (this.inHead) {
      this.error = this.sawBytes ? 'the connection closed inside the response head' : 'the connection closed before any response';
      return this.finish('malformed');
    }
    if (this.mode !== 'until-close') {
      this.truncated = true;
      this.incomplete = true;
    }
    this.keepAlive = false;
    return this.finish('done');
  }

  body(): string {
    return this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
  }

  private finish(p: ParseProgress): ParseProgress {
    this.finished = true;
    return p;
  }

  /** Consumes head bytes; returns what follows the blank line (or undefined while the head is incomplete). */
  private readHead(data: Buffer): Buffer | undefined {
    const buf = this.head ? Buffer.concat([this.head, data]) : data;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(CRLF, start);
      if (nl < 0) break;
      const lineEnd = nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl;
      if (lineEnd === start) {
        // Blank line: end of head. 1xx interim answers (100 Continue) are skipped.
        if (this.status >= 100 && this.status < 200 && this.status !== 101) {
          this.status = 0;
          start = nl + 1;
          continue;
        }
        this.inHead = false;
        this.head = undefined;
        return buf.subarray(nl + 1);
      }
      if (this.status === 0) this.statusLine(buf.toString('latin1', start, lineEnd));
      else this.headerLine(buf, start, lineEnd);
      if (this.error) return undefined;
      start = nl + 1;
    }
    if (buf.length - start > MAX_HEAD_BYTES) {
      this.error = `response head longer than ${MAX_HEAD_BYTES} bytes`;
      return undefined;
    }
    this.head = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
    return undefined;
  }

  private statusLine(line: string): void {
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(line);
    if (!m) {
      this.error = `not an HTTP/1.x status line: ${JSON.stringify(line.slice(0, 80))}`;
      return;
    }
    this.status = Number(m[2]);
    this.keepAlive = m[1] === '1';
    this.mode = this.headRequest || this.status === 204 || this.status === 304 || this.status < 200 ? 'none' : 'until-close';
  }

  /** One header line, bytes [start, end) of buf: only the three headers that frame the answer are decoded to strings. */
  private headerLine(buf: Buffer, start: number, end: number): void {
    const colon = buf.indexOf(0x3a, start);
    if (colon <= start || colon >= end) return;
    const header = framingHeader(buf, start, colon);
    if (header === undefined) return;
    const value = buf.toString('latin1', colon + 1, end).trim().toLowerCase();
    if (header === 'connection') {
      if (value.split(',').some((v) => v.trim() === 'close')) this.keepAlive = false;
      else if (value.split(',').some((v) => v.trim() === 'keep-alive')) this.keepAlive = true;
    } else if (this.mode === 'none') {
      return;
    } else if (header === 'transfer-encoding') {
      if (value.split(',').pop()!.trim() === 'chunked') this.mode = 'chunked';
    } else if (this.mode !== 'chunked') {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 0) {
        this.error = `invalid content-length ${JSON.stringify(value)}`;
        return;
      }
      this.mode = n === 0 ? 'none' : 'length';
      this.remaining = n;
    }
  }

  private take(bytes: Buffer): boolean {
    const room = this.maxBody - this.bodyBytes;
    if (bytes.length > room) {
      if (room > 0) this.chunks.push(Buffer.from(bytes.subarray(0, room)));
      this.bodyBytes += Math.max(0, room);
      this.truncated = true;
      this.keepAlive = false;
      return false;
    }
    // Copy: the socket may hand us slices of a pooled buffer.
    if (bytes.length > 0) this.chunks.push(Buffer.from(bytes));
    this.bodyBytes += bytes.length;
    return true;
  }

  private readBody(data: Buffer): ParseProgress {
    if (this.mode === 'until-close') {
      this.keepAlive = false;
      return this.take(data) ? 'more' : this.finish('done');
    }
    if (this.mode === 'length') {
      const part = data.length > this.remaining ? data.subarray(0, this.remaining) : data;
      this.remaining -= part.length;
      if (!this.take(part)) return this.finish('done');
      return this.remaining === 0 ? this.finish('done') : 'more';
    }
    return this.readChunked(data);
  }

  private readChunked(data: Buffer): ParseProgress {
    let pos = 0;
    while (pos < data.length) {
      if (this.chunkState === 'data') {
        const n = Math.min(this.remaining, data.length - pos);
        if (!this.take(data.subarray(pos, pos + n))) return this.finish('done');
        this.remaining -= n;
        pos += n;
        if (this.remaining === 0) this.chunkState = 'data-end';
        continue;
      }
      // 'size', 'data-end' and 'trailers' read whole lines.
      const nl = data.indexOf(CRLF, pos);
      const piece = data.subarray(pos, nl < 0 ? data.length : nl);
      this.line = this.line ? Buffer.concat([this.line, piece]) : Buffer.from(piece);
      if (this.line.length > MAX_HEAD_BYTES) {
        this.error = 'chunk framing line too long';
        return this.finish('malformed');
      }
      if (nl < 0) return 'more';
      pos = nl + 1;
      const text = this.line.toString('latin1').replace(/\r$/, '');
      this.line = undefined;
      if (this.chunkState === 'data-end') {
        if (text !== '') {
          this.error = 'chunk data not followed by CRLF';
          return this.finish('malformed');
        }
        this.chunkState = 'size';
      } else if (this.chunkState === 'size') {
        const size = parseInt(text.split(';')[0]!.trim(), 16);
        if (!Number.isSafeInteger(size) || size < 0 || !/^[0-9a-fA-F]+$/.test(text.split(';')[0]!.trim())) {
          this.error = `invalid chunk size ${JSON.stringify(text.slice(0, 40))}`;
          return this.finish('malformed');
        }
        if (size === 0) this.chunkState = 'trailers';
        else {
          this.remaining = size;
          this.chunkState = 'data';
        }
      } else if (text === '') {
        return this.finish('done');
      }
    }
    return 'more';
  }
}

const FRAMING_HEADERS = ['connection', 'transfer-encoding', 'content-length'] as const;
type FramingHeader = (typeof FRAMING_HEADERS)[number];

const isSpace = (b: number | undefined): boolean => b === 0x20 || b === 0x09;

/** Which framing header the name bytes [start, end) spell (ASCII case and surrounding blanks ignored), without a string. */
function framingHeader(buf: Buffer, start: number, end: number): FramingHeader | undefined {
  while (start < end && isSpace(buf[start])) start++;
  while (end > start && isSpace(buf[end - 1])) end--;
  outer: for (const name of FRAMING_HEADERS) {
    if (end - start !== name.length) continue;
    for (let i = 0; i < name.length; i++) {
      const b = buf[start + i]!;
      if ((b >= 0x41 && b <= 0x5a ? b | 0x20 : b) !== name.charCodeAt(i)) continue outer;
    }
    return name;
  }
  return undefined;
}
