// Stands between a service and its log file when `logs.redact` is on: each line is written redacted; it ends with the service's output.
// A separate process (not the daemon) so that a dead daemon never blocks or breaks the service's output.
import { closeSync, fstatSync, lstatSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Redactor, crossLineRedaction } from './redact.js';
import { BoundedLines } from './bounded-lines.js';
import { APPEND_NO_FOLLOW, openNoFollowSync } from '../platform/no-follow.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: log-redactor LOGFILE (the service output on stdin)\n');
  process.exit(2);
}
// A file that cannot be opened costs the output, never the service: stdin is still read, or its writes would fail (EPIPE).
let fd: number | undefined;
let told = false;
const open = (): void => {
  try {
    fd = openNoFollowSync(file, APPEND_NO_FOLLOW);
    told = false;
  } catch (err) {
    if (!told) process.stderr.write(`log-redactor: ${file}: ${(err as Error).message}; output discarded until it can be opened\n`);
    told = true;
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
const write = (line: string): void => {
  if (fd === undefined) return;
  try {
    writeSync(fd, `${redactor.redact(acrossLines(line))}\n`);
  } catch {
    // A full disk loses this line, never the service.
  }
};
process.stdin.on('data', (chunk: Buffer) => {
  reopenIfGone();
  for (const line of lines.push(chunk)) write(line);
});
process.stdin.on('end', () => {
  for (const line of lines.end()) write(line);
  process.exit(0);
});
process.stdin.on('error', () => process.exit(0));
