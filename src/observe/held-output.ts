// A service's output while its log cannot be written (read-only or full disk): the newest bytes held in bounded memory,
// the rest counted, so the line written once the log works again says exactly what was lost.

/** The most output held while the log cannot be written; older output is counted as lost. */
export const HOLD_MAX_BYTES = 256 * 1024;

function newlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** Bounded FIFO of output chunks (pure: no I/O). */
export class HeldOutput {
  private chunks: Buffer[] = [];
  private heldBytes = 0;
  private lostBytes = 0;
  private lostLines = 0;
  /** Epoch ms of the first chunk held in this run of failures. */
  private since: number | undefined;
  /** Why the log could not be written (the latest error). */
  private cause = '';

  constructor(private readonly max = HOLD_MAX_BYTES) {}

  get empty(): boolean {
    return this.chunks.length === 0 && this.lostBytes === 0;
  }

  /** Holds `buf` (the newest `max` bytes of all held are kept), noting why and since when. */
  hold(buf: Buffer, cause: string, now: number): void {
    this.since ??= now;
    this.cause = cause;
    const kept = buf.length > this.max ? buf.subarray(buf.length - this.max) : buf;
    if (kept !== buf) this.lose(buf.subarray(0, buf.length - this.max));
    this.chunks.push(Buffer.from(kept));
    this.heldBytes += kept.length;
    while (this.heldBytes > this.max) {
      const first = this.chunks[0]!;
      const over = this.heldBytes - this.max;
      if (first.length <= over) {
        this.chunks.shift();
        this.heldBytes -= first.length;
        this.lose(first);
      } else {
        this.chunks[0] = first.subarray(over);
        this.heldBytes -= over;
        this.lose(first.subarray(0, over));
      }
    }
  }

  private lose(buf: Buffer): void {
    this.lostBytes += buf.length;
    this.lostLines += newlines(buf);
  }

  /** The line that says what happened, then the held output (kept until clear(): a write that fails loses nothing). */
  pending(file: string, now: number): Buffer {
    const from = new Date(this.since ?? now).toISOString();
    const to = new Date(now).toISOString();
    const lost = this.lostBytes > 0 ? `${this.lostBytes} bytes (${this.lostLines} lines) of output were lost` : 'no output was lost';
    const marker = `[clawback] ${file} could not be written from ${from} to ${to} (${this.cause}): ${lost}; the ${this.heldBytes} bytes held in memory meanwhile (at most ${this.max}) follow\n`;
    return Buffer.concat([Buffer.from(marker), ...this.chunks]);
  }

  /** The held output reached the log. */
  clear(): void {
    this.chunks = [];
    this.heldBytes = 0;
    this.lostBytes = 0;
    this.lostLines = 0;
    this.since = undefined;
  }
}
