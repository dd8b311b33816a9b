// Reads a file that someone else (a Level 3 agent) may have replaced by a FIFO or a link to a device: opening a FIFO
// waits for a writer forever and /dev/zero never ends, each holding one of libuv's four threads, so only a regular
// file is read; anything else is named instead. The daemon's own appended files are opened the same way.
import { closeSync, constants, fstatSync, openSync, promises as fs, readFileSync, type Stats } from 'node:fs';

/** A pid file holds a number and a line or two (systemd's MainPID=, pid = N): far more is the wrong file. */
export const PID_FILE_MAX_BYTES = 64 * 1024;

/** What a path is when it is not a regular file ("a FIFO", "a character device"…), for reports. */
export function specialKind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/**
 * Opens a file the daemon writes (its journal, its own log) without blocking, and keeps the descriptor only for a
 * regular file: a FIFO put in its place would block the open or the writes on the daemon's thread. Anything else
 * throws ENOTREG, naming the path, what it is and `advice` (what the user should do).
 */
export function openRegularSync(file: string, flags: number, mode: number, advice: string): number {
  const refuse = (kind: string): Error => Object.assign(new Error(`${file} is ${kind}, not a regular file: ${advice}`), { code: 'ENOTREG' });
  let fd: number;
  try {
    fd = openSync(file, flags | constants.O_NONBLOCK, mode);
  } catch (err) {
    // ENXIO: a write-only open of a FIFO nobody reads (or a device without its driver), which would have blocked.
    throw (err as NodeJS.ErrnoException)?.code === 'ENXIO' ? refuse('a FIFO or a device') : err;
  }
  try {
    const st = fstatSync(fd);
    if (st.isFile()) return fd;
    throw refuse(specialKind(st));
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Raised for a path that is there but not a regular file; `kind` says what it is. */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
  constructor(
    readonly file: string,
    readonly kind: string,
  ) {
    super(`${file} is ${kind}, not a regular file: not read`);
  }
}

/** Raised for a regular file bigger than the reader's bound (a 2 GiB sparse file would otherwise be held whole). */
export class FileTooLargeError extends Error {
  readonly code = 'EFBIG';
  constructor(
    readonly file: string,
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`${file} is ${size} bytes, over the ${maxBytes} bytes expected at most: not read`);
  }
}

/** What a read of the file found, for a report: the error's message for ours, "cannot read <file>: <message>" else. */
export function describeReadError(file: string, err: unknown): string {
  if (err instanceof NotRegularFileError || err instanceof FileTooLargeError) return err.message;
  return `cannot read ${file}: ${(err as Error).message}`;
}

/**
 * The bytes of a regular file (links followed, as fs.readFile does). Opened without blocking, so a FIFO never waits
 * for a writer; rejects with NotRegularFileError for anything but a regular file, with FileTooLargeError past
 * `maxBytes`, and as fs.readFile does otherwise.
 */
export async function readRegularFile(file: string, opts: { maxBytes?: number } = {}): Promise<Buffer> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    // A socket cannot be opened at all (ENXIO): say what it is rather than a bare errno.
    const st = (err as NodeJS.ErrnoException).code === 'ENXIO' ? await fs.stat(file).catch(() => undefined) : undefined;
    if (st && !st.isFile()) throw new NotRegularFileError(file, specialKind(st));
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new NotRegularFileError(file, specialKind(st));
    if (opts.maxBytes !== undefined && st.size > opts.maxBytes) throw new FileTooLargeError(file, st.size, opts.maxBytes);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * readRegularFile, synchronous, for the short CLI passes (the guardian's): a FIFO in place of daemon.json or
 * daemon.stopped blocked the pass's only thread for ever, no timeout could end it, and cron started one more each minute.
 */
export function readRegularFileSync(file: string, opts: { maxBytes?: number } = {}): Buffer {
  const fd = openRegularReadSync(file);
  try {
    const st = fstatSync(fd);
    if (opts.maxBytes !== undefined && st.size > opts.maxBytes) throw new FileTooLargeError(file, st.size, opts.maxBytes);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A descriptor to read a regular file from (links followed), opened without blocking: a FIFO put in place of a
 * service's log held `clawback logs web` (and each pass of `-f`) in open() for ever. Throws NotRegularFileError for
 * anything but a regular file, and as openSync does otherwise.
 */
export function openRegularReadSync(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') throw new NotRegularFileError(file, 'a socket or a device');
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NotRegularFileError(file, specialKind(st));
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
