// The incident journal: append-only JSON lines, one ClawbackEvent per state change. When the disk refuses a line
// (full, I/O error) the line is kept in a bounded memory buffer, the half-written tail is cut off, and the buffer is
// flushed in order once appends work again; the writer never throws at the event bus.
import { closeSync, constants, fstatSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { ClawbackEvent } from './events.js';
import { openRegularSync } from '../platform/read-regular.js';
import { moveAsideNonFile, type MovedAside } from '../platform/private-dir.js';
import { rotateByRenameSync } from './log-rotation.js';
import { tornLineNote } from './journal-read.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

export const DEFAULT_JOURNAL_BUFFER = 10_000;
/**
 * The journal is renamed to journal.jsonl.1 once it reaches this size (older generations shift up, the oldest beyond
 * `keep` is dropped), so the disk and the readers, which hold what they read in memory, stay bounded.
 */
export const JOURNAL_MAX_BYTES = 8 * 1024 * 1024;
export const JOURNAL_KEEP = 3;

export interface JournalWriterOptions {
  /** Lines kept in memory while the disk refuses them; past it the oldest are dropped (counted). Default 10 000. */
  maxBuffered?: number;
  /**
   * For the retry timers; without a clock, buffered lines wait for the next append, and an unended last line written
   * just now is waited for on the thread (at most ~100 ms). The age of that line is never this clock's: see endTail.
   */
  clock?: Pick<Clock, 'setTimeout'>;
  /** An append failed (the line is buffered). */
  onFault?: (err: unknown) => void;
  /** Appends work again after a fault: the buffered lines are on disk (minus `dropped`). */
  onRecovered?: (facts: { flushed: number; dropped: number }) => void;
  /**
   * A directory, a FIFO or a link to a device in the journal's place was moved aside (kept as evidence) so the journal
   * could be written again: said once per move. Without it nothing is moved (the lines wait in memory, onFault says
   * why). Its time is `now`'s (default Date.now).
   */
  onMovedAside?: (moved: MovedAside) => void;
  now?: () => number;
  /** Retry delay after n consecutive failures; default 1 s doubling to 30 s. */
  retryDelayMs?: (failures: number) => number;
  /** Rotate once the file reaches this many bytes (default JOURNAL_MAX_BYTES); <= 0 never. */
  maxBytes?: number;
  /** Rotated generations kept (journal.jsonl.1 newest); default JOURNAL_KEEP. */
  keep?: number;
}

export interface JournalBacklog {
  buffered: number;
  dropped: number;
}

function defaultRetryDelay(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(Math.max(0, failures - 1), 20));
}

export class JournalWriter {
  private readonly queue: string[] = [];
  private flushing = false;
  private failures = 0;
  /** Timer retries since the fault began (appends that fail meanwhile do not lengthen the backoff). */
  private retries = 0;
  private dropped = 0;
  private flushedSinceFault = 0;
  private retry: TimerHandle | undefined;
  private closed = false;
  /** An unended last line written just now (perhaps a live writer's): its size, and the timer's looks at it since. */
  private tailSeen: { size: number; looks: number } | undefined;
  private tailRetry: TimerHandle | undefined;

  constructor(
    readonly file: string,
    private readonly opts: JournalWriterOptions = {},
  ) {
    mkdirRecursiveSync(path.dirname(file), 0o700);
  }

  /** Synchronous append: an event is on disk before the daemon acts on the next one (or buffered if the disk refuses it). */
  append(event: ClawbackEvent): void {
    this.queue.push(JSON.stringify(event) + '\n');
    const max = this.opts.maxBuffered ?? DEFAULT_JOURNAL_BUFFER;
    while (this.queue.length > max) {
      this.queue.shift();
      this.dropped++;
    }
    this.flush();
  }

  /** Lines waiting in memory and lines dropped since the current fault began. */
  backlog(): JournalBacklog {
    return { buffered: this.queue.length, dropped: this.dropped };
  }

  /** Writes what is buffered; returns true when nothing is left in memory. Never throws. */
  flush(): boolean {
    if (this.flushing) return false; // an event emitted by our own fault report: the running flush takes it
    this.flushing = true;
    try {
      this.writeQueued();
    } catch (err) {
      this.failures++;
      this.scheduleRetry();
      this.report(() => this.opts.onFault?.(err));
      return false;
    } finally {
      this.flushing = false;
    }
    if (this.failures > 0) {
      const facts = { flushed: this.flushedSinceFault, dropped: this.dropped };
      this.failures = 0;
      this.retries = 0;
      this.dropped = 0;
      this.flushedSinceFault = 0;
      this.retry?.cancel();
      this.retry = undefined;
      this.report(() => this.opts.onRecovered?.(facts));
    }
    return this.queue.length === 0;
  }

  /** Stops the retry timer and makes one last attempt; lines still refused are lost (and counted). Idempotent. */
  close(): JournalBacklog {
    this.closed = true;
    this.retry?.cancel();
    this.retry = undefined;
    this.tailRetry?.cancel();
    this.tailRetry = undefined;
    if (this.queue.length > 0) this.flush();
    return this.backlog();
  }

  private writeQueued(): void {
    const max = this.opts.maxBytes ?? JOURNAL_MAX_BYTES;
    while (this.queue.length > 0) {
      const fd = this.open();
      let full = false;
      try {
        if (!this.endTail(fd)) return;
        // One open per batch; each line is cut back off the file if it did not land whole.
        while (this.queue.length > 0) {
          appendWhole(fd, Buffer.from(this.queue[0]!, 'utf8'));
          this.queue.shift();
          if (this.failures > 0) this.flushedSinceFault++;
        }
        full = max > 0 && fstatSync(fd).size >= max;
      } finally {
        closeSync(fd);
      }
      // At a line boundary, after the batch: every event lands whole in one generation.
      if (full) {
        try {
          rotateByRenameSync(this.file, Math.max(1, this.opts.keep ?? JOURNAL_KEEP));
        } catch {
          // Not a lost line: the next batch tries again, the file only grows a little meanwhile.
        }
      }
    }
  }

  /**
   * Ends a torn last line (endTornLine); false when the last line is unended but was written just now, perhaps by a live
   * writer mid-line: the lines wait in memory and the timer looks again, the thread never waits (a torn line blocked it
   * ~100 ms, polling, each time). Torn: unended and older than TORN_AFTER_MS, or the same size for TORN_STABLE_POLLS
   * looks (a wall clock stepped back makes every file look new). Seen growing: someone's, written after at once.
   */
  private endTail(fd: number): boolean {
    // mtime is the kernel's wall clock, so its age is measured with the wall clock: an injected clock's now (a fake one
    // in 2023) made a line torn an hour ago look "written just now" for ever, its lines held for a timer's looks.
    const tail = journalTail(fd, Date.now());
    const seen = this.tailSeen;
    this.tailSeen = undefined;
    if (tail === undefined) return true;
    if (tail.torn) {
      endTornLine(fd, tail.size, this.queue[0]!);
      return true;
    }
    if (!this.opts.clock || this.closed) {
      // No timer to look again (a CLI's writer), or the last write: the old wait on the thread, bounded.
      const size = unfinishedLineEnd(fd);
      if (size !== undefined) endTornLine(fd, size, this.queue[0]!);
      return true;
    }
    if (seen && seen.size !== tail.size) return true;
    const looks = seen?.size === tail.size ? seen.looks : 0;
    if (looks >= TORN_STABLE_POLLS) {
      endTornLine(fd, tail.size, this.queue[0]!);
      return true;
    }
    this.tailSeen = { size: tail.size, looks };
    if (!this.tailRetry) {
      this.tailRetry = this.opts.clock.setTimeout(() => {
        this.tailRetry = undefined;
        if (this.tailSeen) this.tailSeen.looks++;
        if (this.queue.length > 0) this.flush();
      }, TORN_POLL_MS);
    }
    return false;
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry || !this.opts.clock) return;
    const delay = (this.opts.retryDelayMs ?? defaultRetryDelay)(this.retries + 1);
    this.retry = this.opts.clock.setTimeout(() => {
      this.retry = undefined;
      this.retries++;
      if (this.queue.length > 0) this.flush();
    }, delay);
  }

  /** Opens the journal; what is not a regular file in its place is moved aside first (journal lines are never lost to it). */
  private open(): number {
    try {
      return openJournal(this.file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException)?.code;
      if ((code !== 'ENOTREG' && code !== 'EISDIR') || !this.opts.onMovedAside) throw err;
      let moved: MovedAside | undefined;
      try {
        moved = moveAsideNonFile(this.file, (this.opts.now ?? Date.now)());
      } catch {
        throw err; // not movable (a read-only dir): the open's own error says what is wrong
      }
      if (!moved) throw err;
      const said = moved;
      this.report(() => this.opts.onMovedAside?.(said));
      return openJournal(this.file);
    }
  }

  private report(fn: () => void): void {
    // Called outside the flushing guard so the report's own event is queued and, when the disk works, written.
    try {
      fn();
    } catch {
      // A failing observer must not break the journal.
    }
    if (this.queue.length > 0 && this.failures === 0) this.flush();
  }
}

/** 'a+' (the tail is read back to end a torn line); openRegularSync adds O_NONBLOCK, for a FIFO put in the journal's place. */
const JOURNAL_OPEN = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT;

/**
 * Opens the journal for appending, refusing anything but a regular file: a FIFO opened read-write takes the lines
 * into its pipe buffer, loses them at close, and a batch past the buffer (64 KiB) blocks the daemon's thread in
 * write() for good. Refused, the lines stay buffered and the fault names the path and what to do.
 */
function openJournal(file: string): number {
  return openRegularSync(file, JOURNAL_OPEN, 0o600, 'move it aside so the journal can be written (lines are kept in memory meanwhile)');
}

/** Bytes read back at most to measure a torn line for its note. */
const TORN_MEASURE_MAX = 64 * 1024;

/**
 * A writer killed mid-line (SIGKILL, power loss) leaves a last line without its newline: ended here, so that torn
 * line stays one corrupt line the readers skip, instead of swallowing the next event appended to it. The torn bytes
 * stay as evidence, followed by a note (journal-read.ts' tornLineNote) that says so: without it every later
 * `clawback incidents` warned of that damaged line, for as long as the file lived. `next` is the line about to be
 * written: the note takes its time.
 */
function endTornLine(fd: number, size: number, next: string): void {
  const len = Math.min(size, TORN_MEASURE_MAX);
  const tail = Buffer.alloc(len);
  const got = readSync(fd, tail, 0, len, size - len);
  const nl = tail.subarray(0, got).lastIndexOf(0x0a);
  const bytes = nl >= 0 ? got - nl - 1 : size <= TORN_MEASURE_MAX ? size : undefined;
  let time: number;
  try {
    time = (JSON.parse(next) as ClawbackEvent).time;
  } catch {
    time = 0;
  }
  appendWhole(fd, Buffer.from(`\n${JSON.stringify(tornLineNote(time, bytes))}\n`, 'utf8'));
}

/** Polls (of TORN_POLL_MS) the file must keep its size without ending its last line before that line counts as torn. */
const TORN_STABLE_POLLS = 20;
const TORN_POLL_MS = 5;
/** An unended last line not written to for this long is torn: no writer is mid-line (a line's write takes far less). */
const TORN_AFTER_MS = TORN_STABLE_POLLS * TORN_POLL_MS;

/**
 * The journal's unended last line: its file's size, and torn when the file was last written TORN_AFTER_MS or more
 * before `now` (wall clock, as mtime); undefined when the file is empty or ends with a newline.
 */
function journalTail(fd: number, now: number): { size: number; torn: boolean } | undefined {
  const st = fstatSync(fd);
  if (st.size === 0) return undefined;
  const last = Buffer.alloc(1);
  if (readSync(fd, last, 0, 1, st.size - 1) !== 1 || last[0] === 0x0a) return undefined;
  return { size: st.size, torn: now - st.mtimeMs >= TORN_AFTER_MS };
}

/**
 * The file's size when its last line is torn, else undefined. A second writer (`clawback doctor` beside the daemon)
 * appending a line above a page is seen mid-write (the size grows page by page): read then as torn, that live line got
 * a "\n" and a false torn-line note after it (88 notes in 6000 lines of 20 KB from two writers). A line counts as torn
 * only once the file kept its size, unended, for TORN_STABLE_POLLS polls; one seen growing is someone's, left alone at
 * once: waiting for it to end (up to 1 s) blocked the daemon's thread, its event-loop lag 0.07 -> 0.90 s beside a slow
 * writer, probes and the API stalled with it.
 */
function unfinishedLineEnd(fd: number): number | undefined {
  const last = Buffer.alloc(1);
  let size = -1;
  for (let poll = 0; poll <= TORN_STABLE_POLLS; poll++) {
    const now = fstatSync(fd).size;
    if (now === 0) return undefined;
    if (readSync(fd, last, 0, 1, now - 1) !== 1 || last[0] === 0x0a) return undefined;
    if (size >= 0 && now !== size) return undefined;
    size = now;
    if (poll < TORN_STABLE_POLLS) pauseThread(TORN_POLL_MS);
  }
  return size;
}

/** Sleeps this thread: only while a line's end is awaited, which a healthy journal never makes anyone wait for. */
function pauseThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Appends buf in full or not at all: the part of a short or failed write is cut back off the file, but only while it is
 * the file's tail. Cut back to the size seen before writing, as it was, a second writer's line (the daemon and `clawback
 * doctor` append to one journal) that landed between that look and ours went with it: 141 of 56 000 lines lost from
 * two writers on a tmpfs filling up, with no trace. A part that is no longer the tail stays, a torn line ended by the
 * next append (endTornLine).
 */
function appendWhole(fd: number, buf: Buffer): void {
  let off = 0;
  try {
    while (off < buf.length) {
      const n = writeSync(fd, buf, off, buf.length - off);
      if (n <= 0) throw Object.assign(new Error(`short write: ${off} of ${buf.length} bytes`), { code: 'ESHORTWRITE' });
      off += n;
    }
  } catch (err) {
    if (off > 0) {
      try {
        cutOwnTail(fd, buf.subarray(0, off));
      } catch {
        // The reader skips a torn line; nothing better to do here.
      }
    }
    throw err;
  }
}

/** Truncates `written` off the end of the file when the file ends with exactly those bytes (nobody appended since). */
export function cutOwnTail(fd: number, written: Buffer): void {
  const size = fstatSync(fd).size;
  if (size < written.length) return;
  const tail = Buffer.alloc(written.length);
  if (readSync(fd, tail, 0, tail.length, size - tail.length) !== tail.length || !tail.equals(written)) return;
  if (fstatSync(fd).size === size) ftruncateSync(fd, size - written.length);
}
