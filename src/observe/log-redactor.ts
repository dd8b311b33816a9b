// Stands between a service and its log file when `logs.redact` is on: each line is written redacted; it ends with the service's output.
// A separate process (not the daemon) so that a dead daemon never blocks or breaks the service's output.
import { writeSync } from 'node:fs';
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
try {
  fd = openNoFollowSync(file, APPEND_NO_FOLLOW);
} catch (err) {
  process.stderr.write(`log-redactor: ${file}: ${(err as Error).message}; output discarded\n`);
}
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
  for (const line of lines.push(chunk)) write(line);
});
process.stdin.on('end', () => {
  for (const line of lines.end()) write(line);
  process.exit(0);
});
process.stdin.on('error', () => process.exit(0));
