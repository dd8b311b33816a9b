// Logs must rotate by default: a size-bounded file stream for our own log, and copy-truncate for the services' logs.
import { closeSync, fstatSync, ftruncateSync, readdirSync, readSync, renameSync, unlinkSync, writeSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { APPEND_NO_FOLLOW, REPLACE_NO_FOLLOW, UPDATE_NO_FOLLOW, openNoFollow, openOwnLogSync } from '../platform/no-follow.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

/** The daemon's own log (logs/daemon.log) and the files the guardian bounds (src/daemon/guardian-logs.ts). */
export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_KEEP = 5;

export interface RotatingFileOptions {
  file: string;
  /** Rotate before a write that would take the file past this size; <= 0 or Infinity disables rotation. */
  maxBytes: number;
  /** Rotated files kept beside the live one (file.1 newest .. file.keep oldest). */
  keep: number;
  /** Mode of newly created files; default 0o600. */
  mode?: number;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** Names of rotated generations past `keep` (left over when keep was lowered). */
function staleGenerations(file: string, names: string[], keep: number): string[] {
  const base = path.basename(file);
  return names
    .filter((n) => n.startsWith(`${base}.`) && /^\d+$/.test(n.slice(base.length + 1)) && Number(n.slice(base.length + 1)) > keep)
    .map((n) => path.join(path.dirname(file), n));
}

/** file.(keep-1) -> file.keep ... file.1 -> file.2, dropping the oldest; leaves file.1 free. */
function shiftRotatedSync(file: string, keep: number): void {
  for (const stale of staleGenerations(file, readdirSync(path.dirname(file)), keep)) {
    try {
      unlinkSync(stale);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }
  for (let i = keep - 1; i >= 1; i--) {
    try {
      renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }
}

/** Renames file to file.1 after shifting the older generations up (keep >= 1); the next append creates file anew. */
export function rotateByRenameSync(file: string, keep: number): void {
  shiftRotatedSync(file, keep);
  renameSync(file, `${file}.1`);
}

async function shiftRotated(file: string, keep: number): Promise<void> {
  for (const stale of staleGenerations(file, await fsp.readdir(path.dirname(file)), keep)) {
    await fsp.rm(stale, { force: true });
  }
  for (let i = keep - 1; i >= 1; i--) {
    try {
      await fsp.rename(`${file}.${i}`, `${file}.${i + 1}`);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }
}

const NEWLINE = Buffer.from('\n');

/** Whether the file's last byte (at size - 1) is a newline; an unreadable one counts as a newline (nothing to mend). */
export function endsWithNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  try {
    return readSync(fd, last, 0, 1, size - 1) !== 1 || last[0] === 0x0a;
  } catch {
    return true;
  }
}

/**
 * A write that fits in a file of `maxBytes` (pure): one larger (a 50 MiB line into a 1 MiB log made a 50 MiB file, and a
 * 50 MiB generation after it) is cut within the bound, with the newline a torn file may put before it. A JSON line (the
 * daemon's own pino lines) stays one valid JSON line: its longest strings (msg, a stack) keep their start and end in
 * "…", and a `cut` field says how many bytes went and why; the text note cut `clawback logs --daemon`, the dashboard and
 * every JSON reader off that line (skipped as not JSON). Any other write keeps its start, cut at a character boundary,
 * and ends with a note that says the same. A smaller one is returned as is.
 */
export function fitWrite(line: Buffer, maxBytes: number): Buffer {
  if (!(line.length > maxBytes)) return line;
  const json = fitJsonLine(line, maxBytes);
  if (json) return json;
  const note = (cut: number): Buffer => Buffer.from(`… [clawback: ${cut} bytes of this write were cut: ${cutWhy(maxBytes)}]\n`);
  // The note's length with the widest count it can hold; the newline of a torn file comes before it.
  let keep = Math.max(0, maxBytes - note(line.length).length - 1);
  // Not inside a UTF-8 character: back to its first byte.
  while (keep > 0 && (line[keep]! & 0xc0) === 0x80) keep--;
  return Buffer.concat([line.subarray(0, keep), note(line.length - keep)]);
}

function cutWhy(maxBytes: number): string {
  return `one write larger than the log's maxBytes (${maxBytes}) is not kept whole`;
}

/** The longest prefix of `s` of at most `n` UTF-16 units that does not split a surrogate pair. */
function headOf(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/** `v` with every string longer than `cap` characters cut to `cap` and ended with "…" (keys kept whole). */
function capStrings(v: unknown, cap: number): unknown {
  if (typeof v === 'string') return v.length > cap ? `${headOf(v, cap)}…` : v;
  if (Array.isArray(v)) return v.map((x) => capStrings(x, cap));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: capStrings(x, cap), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

function longestString(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (v && typeof v === 'object') return Math.max(0, ...Object.values(v).map(longestString));
  return 0;
}

/**
 * A one-line JSON object write, cut to a JSON line within maxBytes (with room for a torn file's newline): the widest
 * cap on its strings that fits, a `cut` field ({ bytes, why }) added. Only the pino fields that place a line (level,
 * time, pid, hostname, msg) are kept when the strings alone are not enough; undefined when it is not a JSON object
 * line, or not even those fit.
 */
function fitJsonLine(line: Buffer, maxBytes: number): Buffer | undefined {
  if (line[line.length - 1] !== 0x0a || line.indexOf(0x0a) !== line.length - 1 || line[0] !== 0x7b) return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const budget = maxBytes - 1;
  const render = (o: Record<string, unknown>, cap: number, cutBytes: number): Buffer =>
    Buffer.from(`${JSON.stringify({ ...(capStrings(o, cap) as Record<string, unknown>), cut: { bytes: cutBytes, why: cutWhy(maxBytes) } })}\n`);
  const placed = (o: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of ['level', 'time', 'pid', 'hostname', 'msg']) if (k in o) out[k] = o[k];
    return out;
  };
  for (const o of [obj as Record<string, unknown>, placed(obj as Record<string, unknown>)]) {
    // Sized with the widest count the cut field can hold, so the final line (a count no wider) fits as well.
    if (render(o, 0, line.length).length > budget) continue;
    let lo = 0;
    let hi = longestString(o);
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (render(o, mid, line.length).length <= budget) lo = mid;
      else hi = mid - 1;
    }
    // bytes: how much shorter than the write the line is (a narrower count makes the line shorter: settle it).
    let out = render(o, lo, line.length);
    for (let i = 0; i < 3 && JSON.parse(out.toString('utf8')).cut.bytes !== line.length - out.length; i++) out = render(o, lo, line.length - out.length);
    return out;
  }
  return undefined;
}

/**
 * A synchronous append-only file stream (a pino destination) that rotates by renaming at write boundaries,
 * so every line lands whole in exactly one file. Write errors are counted, never thrown at the logger's caller.
 */
export class RotatingFileStream {
  private fd: number | undefined;
  private closed = false;
  private bytes = 0;
  /** The file ends inside a line (a write cut short, by a full disk or a kill): the next write starts a new line. */
  private torn = false;
  private readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly mode: number;
  /** Writes dropped because the disk refused them. */
  writeErrors = 0;
  lastError: Error | undefined;

  constructor(opts: RotatingFileOptions) {
    this.file = opts.file;
    this.maxBytes = opts.maxBytes > 0 ? opts.maxBytes : Infinity;
    this.keep = Math.max(0, Math.floor(opts.keep));
    this.mode = opts.mode ?? 0o600;
    try {
      mkdirRecursiveSync(path.dirname(this.file), 0o700);
      this.open();
    } catch (err) {
      // A read-only or full disk costs log lines, never the daemon: counted like a failed write, retried at the next one.
      this.writeErrors++;
      this.lastError = err as Error;
    }
  }

  private open(): void {
    this.fd = openOwnLogSync(this.file, this.mode);
    this.bytes = fstatSync(this.fd).size;
    this.torn = this.bytes > 0 && !endsWithNewline(this.fd, this.bytes);
  }

  /** Current size of the live file as this stream knows it. */
  get size(): number {
    return this.bytes;
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.closed) return false;
    const line = fitWrite(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk), this.maxBytes);
    let off = 0;
    try {
      if (this.fd === undefined) this.open(); // a failed rotation left us without a file: try again
      if (this.bytes > 0 && this.bytes + line.length > this.maxBytes) this.rotate();
      const buf = this.torn ? Buffer.concat([NEWLINE, line]) : line;
      while (off < buf.length) off += writeSync(this.fd!, buf, off, buf.length - off);
      this.bytes += buf.length;
      this.torn = false;
    } catch (err) {
      this.writeErrors++;
      this.lastError = err as Error;
      // A full disk takes the first part of a line and refuses the rest: the line is taken back whole (a truncate needs
      // no space), or else the next line starts on a new line instead of being glued to the torn one.
      if (off > 0 && this.fd !== undefined) this.takeBack(off);
    }
    return true;
  }

  private takeBack(written: number): void {
    try {
      const size = fstatSync(this.fd!).size;
      ftruncateSync(this.fd!, Math.max(0, size - written));
      this.bytes = Math.max(0, size - written);
      this.torn = this.bytes > 0 && !endsWithNewline(this.fd!, this.bytes);
    } catch {
      this.torn = true;
    }
  }

  /** Moves the live file to file.1 (shifting older ones) and starts a fresh one. */
  rotate(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    try {
      if (this.keep === 0) {
        try {
          unlinkSync(this.file);
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
      } else {
        shiftRotatedSync(this.file, this.keep);
        try {
          renameSync(this.file, `${this.file}.1`);
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
      }
    } finally {
      this.open();
    }
  }

  /** Writes are synchronous: nothing is buffered. */
  flush(cb?: (err?: Error) => void): void {
    cb?.();
  }

  flushSync(): void {}

  /** Idempotent. */
  close(): void {
    this.closed = true;
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

const COPY_CHUNK = 64 * 1024;
/** Bounded catch-up rounds for lines appended while we copy. */
const CATCH_UP_ROUNDS = 8;
/** A rotated generation never holds more than this many times maxBytes (but at least GENERATION_FLOOR bytes). */
const GENERATION_FACTOR = 2;
const GENERATION_FLOOR = 1024 * 1024;

/** The most a rotated generation holds (pure): twice maxBytes, at least 1 MiB. */
export function generationCap(maxBytes: number): number {
  return Math.max(GENERATION_FACTOR * maxBytes, GENERATION_FLOOR);
}

/** The marker line a flood's drop leaves (read back by drop-marker.ts). */
function dropMarker(bytes: number, where: string, maxBytes: number, why = 'the service wrote faster than its log rotates'): string {
  return `[clawback] ${bytes} bytes of output ${where} were dropped: ${why} (logs.maxBytes ${maxBytes})\n`;
}

export interface RotateOptions {
  /** Told how many bytes a flood (or, with noRoom, a disk too full for the copy) made us drop; marked in the file. */
  onDropped?: (bytes: number, noRoom?: boolean) => void;
}

function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Bytes the disk holding `file` still gives an unprivileged writer; Infinity when it cannot say. */
async function roomBeside(file: string): Promise<number> {
  try {
    const s = await fsp.statfs(path.dirname(file));
    return s.bavail * s.bsize;
  } catch {
    return Infinity;
  }
}

/**
 * The disk has no room for the copy: a log past the generation cap is emptied (the space it frees is the only way out;
 * a service writing to a full disk fails its writes), marked by a line; a smaller one is left for a later check.
 */
async function dropForRoom(file: string, size: number, maxBytes: number, opts: RotateOptions, cause: string): Promise<boolean> {
  // A full disk's refusal, as data too (its code and path): the guardian folds it with the other writes the disk refused.
  if (size <= generationCap(maxBytes)) {
    // The write is tried first (opened for update, nothing written): a disk both read-only and full was said "no room"
    // and its read-only mount (EROFS), the real cause and what to fix first, never named for the log.
    await (await openNoFollow(file, UPDATE_NO_FOLLOW)).close();
    throw Object.assign(new Error(`no room to rotate ${file} (${size} bytes): ${cause}`), { code: 'ENOSPC', path: file });
  }
  await emptyMarked(file, size, maxBytes, `the disk had no room to rotate them (${cause})`);
  opts.onDropped?.(size, true);
  return true;
}

/**
 * Empties a log in place (truncate, never through a link) and appends the line that says how much was dropped and
 * why; the line is best effort (a full disk may refuse it), the emptying is what frees the room.
 */
async function emptyMarked(file: string, size: number, maxBytes: number, why?: string): Promise<void> {
  const h = await openNoFollow(file, UPDATE_NO_FOLLOW);
  await h.truncate(0).finally(() => h.close());
  const out = await openNoFollow(file, APPEND_NO_FOLLOW);
  await out.write(dropMarker(size, 'before this line', maxBytes, why)).catch(() => undefined).finally(() => out.close());
}

/** The size of a log that is a regular file here, not a link (never truncated through one: see rotateIfLarger); undefined when missing. */
async function plainLogSize(file: string): Promise<number | undefined> {
  try {
    const st = await fsp.lstat(file);
    return st.isSymbolicLink() ? undefined : st.size;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/**
 * Copy-truncate rotation for a file another process holds open with O_APPEND (a service's own log):
 * if the file is larger than maxBytes, shift file.N, copy file to file.1 (catching up with lines appended
 * meanwhile), then truncate file to 0; the writer's next append lands at offset 0. Lines written in the
 * instant between the last catch-up read and the truncate can be lost, as with logrotate's copytruncate.
 * The copy is bounded (generationCap): a service that floods its output between two checks has the oldest part
 * dropped, marked by a line in file.1, instead of filling the disk with one enormous generation.
 * Returns true when it rotated.
 */
export async function rotateIfLarger(file: string, maxBytes: number, keep: number, opts: RotateOptions = {}): Promise<boolean> {
  let size: number;
  let mode: number;
  try {
    const st = await fsp.lstat(file);
    // A link is never rotated: copying and truncating would read and empty the file it points at.
    if (st.isSymbolicLink()) return false;
    size = st.size;
    mode = st.mode & 0o777;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
  if (!(maxBytes > 0) || size <= maxBytes) return false;
  const keepN = Math.max(0, Math.floor(keep));
  if (keepN === 0) {
    // No generation to keep: the drop is said in the file (a 30 MiB flood left an empty log, no line, no warning), and a
    // flood past the cap is told like one with generations.
    await emptyMarked(file, size, maxBytes, 'logs.keep is 0, so no rotated copy is kept');
    if (size > generationCap(maxBytes)) opts.onDropped?.(size);
    return true;
  }
  const cap = generationCap(maxBytes);
  // Checked before the shift: a copy that cannot be made must not push the kept generations out (each failed pass on a
  // full disk left an empty file.1 and shifted the real ones up, and the oversized live file was never emptied).
  const room = await roomBeside(file);
  if (room < Math.min(size, cap)) return dropForRoom(file, size, maxBytes, opts, `${room} bytes free`);
  await shiftRotated(file, keepN);
  let dropped = 0;
  const src = await openNoFollow(file, UPDATE_NO_FOLLOW);
  try {
    const dst = await openNoFollow(`${file}.1`, REPLACE_NO_FOLLOW, mode);
    let noRoom: unknown;
    try {
      const buf = Buffer.allocUnsafe(COPY_CHUNK);
      let pos = 0;
      let copied = 0;
      for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
        const end = (await src.stat()).size;
        if (pos >= end) break;
        if (copied + (end - pos) > cap) {
          if (copied > 0) {
            // The writer outruns the copy: what it appended from here on goes with the truncate.
            dropped += end - pos;
            await dst.write(dropMarker(end - pos, 'after this line', maxBytes));
            break;
          }
          // A flood: keep the newest maxBytes, from the start of a line, leaving room in the cap for the catch-up.
          let from = end - maxBytes;
          const { bytesRead } = await src.read(buf, 0, COPY_CHUNK, from);
          const nl = buf.subarray(0, bytesRead).indexOf(10);
          if (nl >= 0) from += nl + 1;
          dropped += from - pos;
          await dst.write(dropMarker(from - pos, 'before this line', maxBytes));
          pos = from;
        }
        while (pos < end) {
          const { bytesRead } = await src.read(buf, 0, Math.min(COPY_CHUNK, end - pos), pos);
          if (bytesRead === 0) break;
          await dst.write(buf, 0, bytesRead);
          pos += bytesRead;
          copied += bytesRead;
        }
      }
      await src.truncate(0);
    } catch (err) {
      if (!isNoSpace(err)) throw err;
      noRoom = err;
    } finally {
      await dst.close();
    }
    // The disk filled up during the copy: the partial copy goes (it holds the space the live file needs).
    if (noRoom !== undefined) {
      await fsp.rm(`${file}.1`, { force: true });
      return await dropForRoom(file, (await src.stat()).size, maxBytes, opts, (noRoom as Error).message);
    }
  } finally {
    await src.close();
  }
  if (dropped > 0) opts.onDropped?.(dropped);
  return true;
}

/** A disk with less room than this is full: a service's log of at least this size on it is emptied (emptyWhenDiskFull). */
export const FULL_DISK_ROOM = 64 * 1024;

/**
 * A log still under logs.maxBytes on a disk with no room left (a small state volume, a maxBytes larger than the disk)
 * was never rotated: the disk stayed full and every service writing to it failed its writes. Such a log is emptied,
 * the drop marked in it; returns the bytes dropped (0 when the disk has room or the log is small).
 */
export async function emptyWhenDiskFull(file: string, maxBytes: number): Promise<number> {
  const size = await plainLogSize(file);
  if (size === undefined || size < FULL_DISK_ROOM || (await roomBeside(file)) >= FULL_DISK_ROOM) return 0;
  await emptyMarked(file, size, maxBytes, 'the disk was full');
  return size;
}

/**
 * Between two rotations, a log that a flooding service took past generationCap is emptied (truncate, then a marker
 * line appended): no copy, so checking often costs the daemon next to nothing. Returns the bytes dropped.
 */
export async function trimFlood(file: string, maxBytes: number): Promise<number> {
  const size = await plainLogSize(file);
  if (size === undefined || !(maxBytes > 0) || size <= generationCap(maxBytes)) return 0;
  await emptyMarked(file, size, maxBytes);
  return size;
}
