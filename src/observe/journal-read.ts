// Reads the append-only journal back for status, digests and incident views, surviving torn or corrupt lines.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ClawbackEvent } from './events.js';

export interface ReadJournalOptions {
  /** Keep only events with time >= since (epoch ms). */
  since?: number;
  /** Keep only events with time < until (epoch ms). */
  until?: number;
}

export interface JournalScan {
  events: ClawbackEvent[];
  /** Non-empty lines that were not a valid event (torn last line, disk garbage, hand edits). */
  corruptLines: number;
  /** 1-based numbers of the first few corrupt lines, for a warning message. */
  corruptLineNumbers: number[];
}

const MAX_REPORTED_LINES = 20;

/** True when a parsed JSON value has the shape of a ClawbackEvent. */
export function isClawbackEvent(v: unknown): v is ClawbackEvent {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.type === 'string' &&
    typeof o.time === 'number' &&
    Number.isFinite(o.time) &&
    typeof o.severity === 'string' &&
    (o.details === undefined || (typeof o.details === 'object' && o.details !== null && !Array.isArray(o.details)))
  );
}

/** Streams the journal line by line; a missing file is an empty journal. */
export async function scanJournal(file: string, opts: ReadJournalOptions = {}): Promise<JournalScan> {
  const result: JournalScan = { events: [], corruptLines: 0, corruptLineNumbers: [] };
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<boolean>((resolve, reject) => {
    stream.once('open', () => resolve(true));
    stream.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(false) : reject(err)));
  });
  if (!(await opened)) return result;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      if (!isClawbackEvent(parsed)) {
        result.corruptLines++;
        if (result.corruptLineNumbers.length < MAX_REPORTED_LINES) result.corruptLineNumbers.push(lineNo);
        continue;
      }
      if (opts.since !== undefined && parsed.time < opts.since) continue;
      if (opts.until !== undefined && parsed.time >= opts.until) continue;
      result.events.push(parsed);
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return result;
}

/** The journal's valid events, oldest first as written; corrupt lines are skipped. */
export async function readJournal(file: string, opts: ReadJournalOptions = {}): Promise<ClawbackEvent[]> {
  return (await scanJournal(file, opts)).events;
}
