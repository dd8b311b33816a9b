// The daemon journals an event, then spools its alert: a SIGKILL between the two lost the alert. The notifier marks the
// last journal line it took; after a crash the lines journaled past that mark are spooled on the next start.
import { closeSync, fstatSync, openSync, readSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import type { ClawbackEvent } from '../observe/events.js';

/** Beside the channel directories of the outbox; removed by a clean stop (nothing can be missing then). */
export const MARK_FILE = 'published.json';
/** Only the kill window can leave lines behind, a few at most: the mark is looked for in this many last lines. */
const TAIL_LINES = 50;
const TAIL_BYTES = 256 * 1024;

/** The journal writes JSON.stringify(redacted event) per line: the same text identifies the same line. */
export function lineHash(line: string): string {
  return createHash('sha256').update(line).digest('hex').slice(0, 32);
}

/** Records that the event (already redacted, as journaled) is spooled. Synchronous: in the same step as the journal line. */
export function markPublished(outboxDir: string, event: ClawbackEvent): void {
  writeFileAtomicSync(path.join(outboxDir, MARK_FILE), JSON.stringify({ v: 1, last: lineHash(JSON.stringify(event)), time: event.time }), { mode: 0o600, durable: false });
}

/**
 * The guardian told the channels itself (the daemon was down) and queued the event for the journal only: the daemon
 * journals it and never publishes it, so the catch-up after a crash must not send it either.
 */
export function toldByGuardian(e: ClawbackEvent): boolean {
  return e.details?.['notifiedBy'] === 'guardian';
}

export function clearMark(outboxDir: string): void {
  rmSync(path.join(outboxDir, MARK_FILE), { force: true });
}

function readTail(file: string): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    const n = readSync(fd, buf, 0, len, size - len);
    const lines = buf.subarray(0, n).toString('utf8').split('\n');
    if (len < size) lines.shift(); // a cut first line
    return lines.filter((l) => l.length > 0).slice(-TAIL_LINES);
  } finally {
    closeSync(fd);
  }
}

/**
 * The events journaled after the last one the previous notifier took, when it did not stop cleanly. Nothing when there
 * is no mark (a clean stop, a first start) or the mark is not among the journal's last lines (rotated, or too old to
 * tell), or another daemon started since (a daemon.started past the mark: an older Clawback that keeps no mark, after a
 * rollback, or one without channels; it journaled, and alerted, its own lines): then an old alert is never sent again.
 */
export function missedEvents(outboxDir: string, journalFile: string): ClawbackEvent[] {
  let last: unknown;
  try {
    last = (JSON.parse(readTail(path.join(outboxDir, MARK_FILE)).join('\n')) as { last?: unknown }).last;
  } catch {
    return [];
  }
  if (typeof last !== 'string') return [];
  const lines = readTail(journalFile);
  const at = lines.map(lineHash).lastIndexOf(last);
  if (at < 0) return [];
  const out: ClawbackEvent[] = [];
  for (const line of lines.slice(at + 1)) {
    try {
      const e = JSON.parse(line) as ClawbackEvent;
      // The killed daemon's missed lines are those of its last step; a start past the mark is another daemon's.
      if (e?.type === 'daemon.started') return [];
      // One the guardian told already was journaled, never published: the killed daemon did not miss its alert.
      if (e && typeof e.type === 'string' && typeof e.message === 'string' && !toldByGuardian(e)) out.push(e);
    } catch {
      // A torn line of the killed writer: nothing to send.
    }
  }
  return out;
}
