// `clawback logs NAME -f` across copy-truncate rotations, like `tail -F`: what was written after the last read and
// before the truncate is read from the rotated copy, and a flood's drop is shown by the daemon's own marker line.
import { closeSync, fstatSync, readSync } from 'node:fs';
import { NotRegularFileError, openRegularReadSync } from '../platform/read-regular.js';
import { DROP_MARKER_HEAD, droppedBefore } from '../observe/drop-marker.js';
import { unreadableLogText } from '../platform/log-refusal.js';
import { isMissing } from '../platform/errno-words.js';

/** Bytes of the output last read kept to recognise where it goes on (in the live file or a rotated copy). */
export const SEEN_BYTES = 256;
const READ_CHUNK = 1024 * 1024;

export interface LogFollowerOptions {
  file: string;
  /** Where the first read goes on from (where the tail shown before ended). */
  offset: number;
  /**
   * The last bytes of that same read (up to SEEN_BYTES, ending at offset): read again here, a copy-truncate between the
   * tail's read and the follower's start went unseen once the new file grew past offset (398 lines lost under load).
   */
  seen: Buffer;
  /** Rotated generations looked into for the rest (file.1 .. file.N). */
  generations: number;
  /** Bytes read from the live file at most in one pass; more are skipped, said through notice. */
  maxBytes: number;
  /** Raw bytes of the output, in order. */
  out: (bytes: Buffer) => void;
  /** What comes next does not go on from the last bytes shown (a drop marker, a file started anew): end the torn line. */
  onBreak: () => void;
  notice: (text: string) => void;
}

/**
 * Undefined when the file cannot be opened, or is not a regular file (a FIFO is not waited on: see openRegularReadSync).
 * onRefused hears why, unless it is only missing (isMissing: not written yet, or between a rotation's steps).
 */
function openOrUndefined(file: string, onRefused?: (err: unknown) => void): number | undefined {
  try {
    return openRegularReadSync(file);
  } catch (err) {
    if (err instanceof NotRegularFileError || !isMissing(err)) onRefused?.(err);
    return undefined;
  }
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const buf = Buffer.alloc(Math.max(0, len));
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** Follows one log file; `pump()` shows what is new, across rotations and flood trims. */
export class LogFollower {
  private offset: number;
  /** The last bytes read (up to SEEN_BYTES), to tell whether the file still holds them where they were. */
  private seen: Buffer = Buffer.alloc(0);
  private readonly o: LogFollowerOptions;
  /** Why the live file was last not read, other than missing (said once while it lasts, again when it changes). */
  private refused: string | undefined;

  constructor(o: LogFollowerOptions) {
    this.o = o;
    this.offset = o.offset;
    this.seen = o.seen.subarray(-SEEN_BYTES);
  }

  /** Whether `fd` holds the bytes last read just before `pos` (as much of them as lie at or after `start`). */
  private holdsSeenAt(fd: number, pos: number, start = 0): boolean {
    const len = Math.min(this.seen.length, pos - start);
    if (len <= 0) return true;
    return readAt(fd, pos - len, len).equals(this.seen.subarray(this.seen.length - len));
  }

  /** Shows bytes from..to of fd; returns where the read ended (short of `to` when the file was truncated meanwhile). */
  private emit(fd: number, from: number, to: number): number {
    let pos = from;
    while (pos < to) {
      const chunk = readAt(fd, pos, Math.min(READ_CHUNK, to - pos));
      if (chunk.length === 0) break;
      pos += chunk.length;
      this.seen = Buffer.concat([this.seen, chunk]).subarray(-SEEN_BYTES);
      this.o.out(chunk);
    }
    return pos;
  }

  /**
   * Where the output last read goes on in a rotated copy: gen and position, or undefined. A copy a flood cut starts with
   * the daemon's marker of the bytes dropped before it: positions after it are shifted by the marker and the drop, and
   * when what was dropped began before where the last read ended, the copy is shown from its marker.
   */
  private continuation(): { fd: number; g: number; pos: number } | undefined {
    for (let g = 1; g <= this.o.generations; g++) {
      const fd = openOrUndefined(`${this.o.file}.${g}`);
      if (fd === undefined) return undefined;
      const size = fstatSync(fd).size;
      const m = droppedBefore(readAt(fd, 0, DROP_MARKER_HEAD));
      if (m) {
        const markerLen = m.markerBytes;
        const dropped = m.dropped;
        if (this.offset < dropped) {
          if (g === 1) {
            this.o.onBreak();
            return { fd, g, pos: 0 };
          }
        } else {
          const pos = markerLen + this.offset - dropped;
          if (pos <= size && this.holdsSeenAt(fd, pos, markerLen)) return { fd, g, pos };
        }
      } else if (this.offset <= size && this.holdsSeenAt(fd, this.offset)) {
        return { fd, g, pos: this.offset };
      }
      closeSync(fd);
    }
    return undefined;
  }

  /** The live file was truncated (or replaced) since the last read: the rest of what was read is shown from the rotated copy. */
  private catchUp(): void {
    const cont = this.continuation();
    if (cont === undefined) {
      this.o.onBreak();
      if (this.offset > 0) this.o.notice(`${this.o.file} was truncated or replaced after ${this.offset} bytes; going on from its start (what was written after the last read is not in its rotated copies)`);
    } else {
      try {
        this.emit(cont.fd, cont.pos, fstatSync(cont.fd).size);
      } finally {
        closeSync(cont.fd);
      }
      // Rotations missed while the reader lagged: each newer copy is shown whole.
      for (let g = cont.g - 1; g >= 1; g--) {
        const fd = openOrUndefined(`${this.o.file}.${g}`);
        if (fd === undefined) continue;
        try {
          this.emit(fd, 0, fstatSync(fd).size);
        } finally {
          closeSync(fd);
        }
      }
    }
    this.offset = 0;
  }

  pump(): void {
    let why: string | undefined;
    const fd = openOrUndefined(this.o.file, (err) => {
      why =
        err instanceof NotRegularFileError
          ? `${err.message}; waiting for a regular file there`
          : `${unreadableLogText(this.o.file, err, 'this command')}; waiting until it can be read`;
    });
    // Said once while it lasts, not every pass; a missing file (between a rotation's steps) is said by nothing.
    if (why !== undefined && why !== this.refused) this.o.notice(why);
    this.refused = why;
    if (fd === undefined) return;
    try {
      let size = fstatSync(fd).size;
      // Shrunk, or grown again past where the last read ended but no longer holding what was read there: truncated.
      if (this.offset > 0 && (size < this.offset || !this.holdsSeenAt(fd, this.offset))) {
        this.catchUp();
        size = fstatSync(fd).size;
      }
      if (size <= this.offset) return;
      if (size - this.offset > this.o.maxBytes) {
        this.o.notice(`${size - this.offset - this.o.maxBytes} bytes of output skipped (written faster than they can be shown)`);
        this.offset = size - this.o.maxBytes;
      }
      this.offset = this.emit(fd, this.offset, size);
    } finally {
      closeSync(fd);
    }
  }
}
