// Stands between a service and its log file when `logs.redact` is on (each line written redacted), or, with --plain, when
// the log could not be opened at the start (its output held, bounded, until the log can be written); it ends with the
// service's output. A separate process (not the daemon) so that a dead daemon never blocks or breaks the service's output.
import { closeSync, fstatSync, lstatSync, writeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redactor, crossLineRedaction } from './redact.js';
import { BoundedLines } from './bounded-lines.js';
import { HeldOutput } from './held-output.js';
import { APPEND_NO_FOLLOW, openNoFollowSync } from '../platform/no-follow.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

const file = process.argv[2];
/** --plain: the output is written as it comes, unredacted (logs.redact is off; only the holding is wanted). */
const plain = process.argv[3] === '--plain';
if (!file) {
  process.stderr.write('usage: log-redactor LOGFILE [--plain] (the service output on stdin)\n');
  process.exit(2);
}
// A file that cannot be opened or written costs memory (bounded: the newest output held), never the service: stdin is
// still read, or its writes would fail (EPIPE). Once the file works again a line says what was lost, then what was held.
let fd: number | undefined;
let cause = '';
const held = new HeldOutput();
const open = (): void => {
  try {
    mkdirRecursiveSync(path.dirname(file), 0o700);
    fd = openNoFollowSync(file, APPEND_NO_FOLLOW);
  } catch (err) {
    cause = (err as Error).message;
  }
};
open();
/**
 * The log deleted or moved away while we write (rm, logrotate's create mode): the output went into the unlinked or
 * renamed file for good, unseen by `clawback logs` and the log probes and never rotated (the daemon moves a plain
 * service's output back from /proc, but this process holds the file). Its name is checked at most once a second and
 * the file opened again; the daemon's copy-truncate rotation keeps the inode, so it reopens nothing.
 */
const REOPEN_CHECK_MS = 1000;
let checkedAt = performance.now();
const reopenIfGone = (): void => {
  const now = performance.now();
  if (now - checkedAt < REOPEN_CHECK_MS) return;
  checkedAt = now;
  try {
    const named = lstatSync(file);
    if (fd !== undefined) {
      const held = fstatSync(fd);
      if (held.ino === named.ino && held.dev === named.dev) return;
    }
  } catch {
    // No file by that name: opened (created) again below.
  }
  try {
    if (fd !== undefined) closeSync(fd);
  } catch {
    // Already unusable: a fresh one is opened below.
  }
  fd = undefined;
  open();
};
const redactor = new Redactor();
// It runs with the service's own environment: the service's secrets are exactly what must not reach the file.
redactor.addSecretEnv(process.env);
// Not readline: it holds a line whole however long it grows, and a service that never writes a newline took the
// redactor down (and the service, on EPIPE). A line past LINE_MAX_CHARS is written in pieces.
const lines = new BoundedLines();
// Lines in the order written: a private key block, or a credential on the line after `Authorization: Bearer`.
const acrossLines = crossLineRedaction();
/** Writes buf whole (a short write continued); throws what the disk said. */
const writeAll = (buf: Buffer): void => {
  for (let off = 0; off < buf.length; ) off += writeSync(fd!, buf, off, buf.length - off);
};
/** Held output goes first, marked; false while the file still cannot take it. */
const flushHeld = (): boolean => {
  if (held.empty) return true;
  if (fd === undefined) return false;
  try {
    writeAll(held.pending(file, Date.now()));
    held.clear();
    return true;
  } catch (err) {
    cause = (err as Error).message;
    return false;
  }
};
const write = (text: Buffer): void => {
  if (fd !== undefined && flushHeld()) {
    try {
      writeAll(text);
      return;
    } catch (err) {
      // A full disk: held (bounded) like output with no file, and tried again.
      cause = (err as Error).message;
    }
  }
  held.hold(text, cause, Date.now());
  armRetry();
};
/** While output is held, the file is tried again each second even if the service says nothing more. */
let retry: NodeJS.Timeout | undefined;
const armRetry = (): void => {
  if (retry) return;
  retry = setTimeout(() => {
    retry = undefined;
    if (fd === undefined) open();
    if (!flushHeld()) armRetry();
  }, REOPEN_CHECK_MS);
};
const redacted = (line: string): Buffer => Buffer.from(`${redactor.redact(acrossLines(line))}\n`);
process.stdin.on('data', (chunk: Buffer) => {
  reopenIfGone();
  if (plain) write(chunk);
  else for (const line of lines.push(chunk)) write(redacted(line));
});
process.stdin.on('end', () => {
  if (!plain) for (const line of lines.end()) write(redacted(line));
  if (fd === undefined) open();
  flushHeld();
  process.exit(0);
});
process.stdin.on('error', () => process.exit(0));
