// Reads the append-only journal back for status, digests and incident views, surviving torn or corrupt lines.
import { createReadStream, type ReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { ClawbackEvent } from './events.js';

export interface ReadJournalOptions {
  /** Keep only events with time >= since (epoch ms). */
  since?: number;
  /** Keep only events with time < until (epoch ms). */
  until?: number;
  /**
   * Rotated generations read before the live file (journal.jsonl.1 is the newest; see journal.ts). Default 1: the
   * events just before a rotation (an incident's opening) stay in view, and a read holds at most two files' events.
   */
  rotated?: number;
  /**
   * Bytes read at most from the end of each file (default 16 MiB, twice the rotation size): a journal grown before
   * rotation existed, or by a writer that cannot rotate, is read by its newest part, not whole.
   */
  maxBytesPerFile?: number;
  /**
   * A file cut by maxBytesPerFile: its older part is still read for the incident.* lines alone, and the starts and stops
   * on an incident (cheap: only those are parsed), so an incident opened before the cut keeps its opening, its cause,
   * its close and its being kept down. Without it, an incident
   * opened in the older part of a never-rotated journal was listed as starting later, or not at all.
   */
  incidentLinesBeforeCut?: boolean;
  /**
   * Each event is handed here as it is read, and not kept in the answer's `events`: a reader that folds them (`clawback
   * incidents`) holds what it keeps, not the whole window (190 000 small lines of a 16 MiB journal held ~50 MB).
   */
  onEvent?: (event: ClawbackEvent) => void;
  /** Instead of onEvent: each event with where's line lies (its file's place in the window and byte range), handed beside it. */
  onEventAt?: (event: ClawbackEvent, at: JournalAt) => void;
}

/**
 * Where a line lies in the window: `seq`, its file's place in the order read (0: the oldest generation read), and its
 * bytes [offset, end), its line end included. Counted in the file's bytes (linesOf), so exact whatever the line holds
 * (CRLF, invalid UTF-8, multi-byte text); a reader of a span still checks what it finds there (the journal may have
 * changed since).
 */
export interface JournalAt {
  seq: number;
  offset: number;
  end: number;
}

/** A file read by its newest part only (maxBytesPerFile): what was left out, said to the reader. */
export interface JournalCut {
  file: string;
  /** The file's size when read. */
  size: number;
  /** Bytes before the cut: not read, or (incidentLinesBeforeCut) read for their incident.* lines only. */
  bytesBefore: number;
  /** Whether the incident.* lines before the cut were read. */
  incidentLinesRead: boolean;
}

export const JOURNAL_READ_MAX_BYTES = 16 * 1024 * 1024;

export interface JournalScan {
  /** The valid events, oldest first as written (empty when opts.onEvent took them). */
  events: ClawbackEvent[];
  /** Non-empty lines that were not a valid event (torn last line, disk garbage, hand edits). */
  corruptLines: number;
  /** 1-based numbers of the first few corrupt lines, for a warning message. */
  corruptLineNumbers: number[];
  /**
   * Of corruptLines, those not already said in the journal: a torn line the writer found and noted (tornLineNote)
   * is known damage, warned about once in the journal itself, not on every read.
   */
  unnotedCorruptLines: number;
  /** 1-based numbers of the first few unnoted corrupt lines. */
  unnotedCorruptLineNumbers: number[];
  /** Files read by their newest part only (oldest first): the answer may lack what was before the cut. */
  cuts: JournalCut[];
}

/** details.effect of the daemon.fault line the writer puts right after a torn line it ended. */
export const TORN_LINE_EFFECT = 'journal-torn-line';

/** The event that follows a torn line the journal writer found (bytes: its length, when measured). */
export function tornLineNote(time: number, bytes: number | undefined): ClawbackEvent {
  const size = bytes === undefined ? 'a line' : `a line of ${bytes} byte(s)`;
  return {
    type: 'daemon.fault',
    time,
    severity: 'warning',
    message: `the journal's previous line is torn (${size} without its end: the writer was killed mid-line, or the disk failed); kept as evidence, readers skip it`,
    details: { effect: TORN_LINE_EFFECT, error: `torn journal line${bytes === undefined ? '' : ` (${bytes} bytes)`}` },
  };
}

function isTornLineNote(e: ClawbackEvent): boolean {
  return e.type === 'daemon.fault' && e.details?.['effect'] === TORN_LINE_EFFECT;
}

const MAX_REPORTED_LINES = 20;

/** A read event goes to opts.onEvent when given, else into the answer. */
function take(e: ClawbackEvent, opts: ReadJournalOptions, result: JournalScan, at: JournalAt): void {
  if (opts.onEventAt) opts.onEventAt(e, at);
  else if (opts.onEvent) opts.onEvent(e);
  else result.events.push(e);
}

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

/**
 * Streams the journal line by line, its rotated generations first (oldest first); a missing file is an empty journal.
 * Corrupt line numbers are counted per file, so they point into the live file when it has any.
 */
export async function scanJournal(file: string, opts: ReadJournalOptions = {}): Promise<JournalScan> {
  const result: JournalScan = { events: [], corruptLines: 0, corruptLineNumbers: [], unnotedCorruptLines: 0, unnotedCorruptLineNumbers: [], cuts: [] };
  let seq = 0;
  for (let g = opts.rotated ?? 1; g >= 1; g--) await scanFile(`${file}.${g}`, opts, result, seq++);
  const before = result.corruptLineNumbers.length;
  const unnotedBefore = result.unnotedCorruptLineNumbers.length;
  await scanFile(file, opts, result, seq);
  if (result.corruptLineNumbers.length > before) result.corruptLineNumbers.splice(0, before);
  if (result.unnotedCorruptLineNumbers.length > unnotedBefore) result.unnotedCorruptLineNumbers.splice(0, unnotedBefore);
  return result;
}

async function scanFile(file: string, opts: ReadJournalOptions, result: JournalScan, seq: number): Promise<void> {
  const size = await stat(file).then(
    (st) => st.size,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    },
  );
  if (size === undefined) return;
  let start = Math.max(0, size - (opts.maxBytesPerFile ?? JOURNAL_READ_MAX_BYTES));
  // Read from the middle of a file: its first line is a part of one, not a corrupt line.
  let skipPartial = start > 0;
  if (start > 0) {
    result.cuts.push({ file, size, bytesBefore: start, incidentLinesRead: opts.incidentLinesBeforeCut === true });
    if (opts.incidentLinesBeforeCut) {
      // The older part ends at a line's end, so the line across the cut is read whole, by the newest part's read.
      start = await lineStartAtOrAfter(file, start);
      skipPartial = false;
      await scanIncidentLines(file, 0, start, opts, result, seq);
      if (start >= size) return;
    }
  }
  const stream = createReadStream(file, { start });
  const opened = new Promise<boolean>((resolve, reject) => {
    stream.once('open', () => resolve(true));
    stream.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(false) : reject(err)));
  });
  if (!(await opened)) return;
  let lineNo = 0;
  /** The line just before was corrupt and not yet known to be noted: its number. */
  let pendingCorrupt: number | undefined;
  const settle = (noted: boolean): void => {
    if (pendingCorrupt === undefined) return;
    if (!noted) {
      result.unnotedCorruptLines++;
      if (result.unnotedCorruptLineNumbers.length < MAX_REPORTED_LINES) result.unnotedCorruptLineNumbers.push(pendingCorrupt);
    }
    pendingCorrupt = undefined;
  };
  try {
    for await (const { line, offset, end } of linesOf(stream, start)) {
      lineNo++;
      if (skipPartial) {
        skipPartial = false;
        continue;
      }
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      if (!isClawbackEvent(parsed)) {
        settle(false);
        result.corruptLines++;
        if (result.corruptLineNumbers.length < MAX_REPORTED_LINES) result.corruptLineNumbers.push(lineNo);
        pendingCorrupt = lineNo;
        continue;
      }
      const note = isTornLineNote(parsed);
      settle(note);
      // The writer's marker for the line before it, not a thing that happened: read as part of that damage.
      if (note) continue;
      if (opts.since !== undefined && parsed.time < opts.since) continue;
      if (opts.until !== undefined && parsed.time >= opts.until) continue;
      take(parsed, opts, result, { seq, offset, end });
    }
    settle(false);
  } finally {
    await closeStream(stream);
  }
}

const MIB = 1024 * 1024;

/** One line for a reader: how much of a journal file was read whole, and what that means for the incidents shown. */
export function journalCutText(cut: JournalCut): string {
  const mib = (n: number): string => `${(n / MIB).toFixed(1)} MiB`;
  return (
    `${cut.file} is ${mib(cut.size)}: only its newest ${mib(cut.size - cut.bytesBefore)} were read whole; ` +
    (cut.incidentLinesRead
      ? `of the older ${mib(cut.bytesBefore)} only the incident lines (opened, action, escalated, resolved, and a start or stop on one) were read, so an older incident's timeline lacks its other events`
      : `the older ${mib(cut.bytesBefore)} were not read, so an incident opened there shows as opening later, or not at all`)
  );
}

/** Where the line holding byte `pos` - 1 ends (the offset after its newline), or the file's size when it does not end. */
async function lineStartAtOrAfter(file: string, pos: number): Promise<number> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    for (let at = pos - 1; ; at += buf.length) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, at);
      if (bytesRead <= 0) return at;
      const nl = buf.subarray(0, bytesRead).indexOf(0x0a);
      if (nl >= 0) return at + nl + 1;
    }
  } finally {
    await fh.close();
  }
}

/**
 * An incident.* line, or a service's start or stop (as JSON.stringify writes them, a hand-edited line with spaces too):
 * the only lines parsed before a cut. A stop or start on an incident decides its status: a `restart: never` crash kept
 * down (service.stopped keptDown) ends it as "failed", a person's start opens it again; without them, an incident kept
 * down before the cut read "open" for ever in `clawback incidents` and the API while status said "kept down".
 */
const INCIDENT_LINE = /"type"\s*:\s*"(?:incident\.|service\.st(?:opped|arted)")/;

/** Of the lines INCIDENT_LINE lets through, those kept: an incident.* event, or a start or stop on an incident. */
function tellsIncident(e: ClawbackEvent): boolean {
  return e.type.startsWith('incident.') || ((e.type === 'service.stopped' || e.type === 'service.started') && typeof e.incidentId === 'string');
}

/** The incident.* events (and starts and stops on an incident) of bytes [from, end) of a file, which ends at a line's end; other lines are neither parsed nor counted. */
async function scanIncidentLines(file: string, from: number, end: number, opts: ReadJournalOptions, result: JournalScan, seq: number): Promise<void> {
  for await (const { line, offset, end: next } of linesAt(file, from, end)) {
    if (!INCIDENT_LINE.test(line)) continue;
    const parsed = parsedLine(line);
    if (!isClawbackEvent(parsed) || !tellsIncident(parsed)) continue;
    if (opts.since !== undefined && parsed.time < opts.since) continue;
    if (opts.until !== undefined && parsed.time >= opts.until) continue;
    take(parsed, opts, result, { seq, offset, end: next });
  }
}

/** The lines of bytes [from, end) of a file with where each lies (offset, and the end past its newline); its fd closed after. */
async function* linesAt(file: string, from: number, end: number): AsyncGenerator<JournalLine> {
  if (end <= from) return;
  const stream = createReadStream(file, { start: from, end: end - 1 });
  try {
    yield* linesOf(stream, from);
  } finally {
    await closeStream(stream);
  }
}

interface JournalLine {
  line: string;
  /** Its first byte in the file. */
  offset: number;
  /** Past its line end (`\n`, `\r\n` or a lone `\r`), or the last byte read when it has none. */
  end: number;
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = '\ufeff';

/**
 * The lines of a byte stream read from file offset `start`, split as readline splits them (`\n`, `\r\n` or a lone
 * `\r` ends a line) but counted in bytes: readline's decoded text put a CRLF line one byte short and an invalid UTF-8
 * byte (read as the 3 bytes of U+FFFD) two long, so the places after them were wrong. A BOM at the file's start
 * (a journal saved by an editor) is not part of its first line.
 */
async function* linesOf(stream: AsyncIterable<Buffer>, start: number): AsyncGenerator<JournalLine> {
  /** The unfinished line's bytes so far, and where it began. */
  let pending: Buffer[] = [];
  let lineStart = start;
  /** Bytes of the stream before the current chunk. */
  let pos = start;
  /** A line that ended with a `\r` at its chunk's end: yielded once the next byte says whether it was a CRLF. */
  let crLine: { line: string; offset: number } | undefined;
  const decode = (bytes: Buffer, offset: number): string => {
    const text = bytes.toString('utf8');
    return offset === 0 && text.startsWith(BOM) ? text.slice(1) : text;
  };
  for await (const chunk of stream) {
    let from = 0;
    if (crLine && chunk.length > 0) {
      if (chunk[0] === LF) from = 1;
      lineStart = pos + from;
      yield { ...crLine, end: lineStart };
      crLine = undefined;
    }
    // The next `\n` and `\r` found by the engine's own search (a byte-by-byte loop in JS was 10x slower), each looked
    // for again only once passed.
    let lf = chunk.indexOf(LF, from);
    let cr = chunk.indexOf(CR, from);
    while (lf !== -1 || cr !== -1) {
      const i = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      const bytes = pending.length === 0 ? chunk.subarray(from, i) : Buffer.concat([...pending, chunk.subarray(from, i)]);
      pending = [];
      const offset = lineStart;
      if (i === cr && i + 1 === chunk.length) {
        crLine = { line: decode(bytes, offset), offset };
        from = chunk.length;
        break;
      }
      const next = i === cr && lf === i + 1 ? i + 2 : i + 1;
      lineStart = pos + next;
      yield { line: decode(bytes, offset), offset, end: lineStart };
      from = next;
      if (lf !== -1 && lf < from) lf = chunk.indexOf(LF, from);
      if (cr !== -1 && cr < from) cr = chunk.indexOf(CR, from);
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
    pos += chunk.length;
  }
  if (crLine) yield { ...crLine, end: pos };
  if (pending.length > 0) yield { line: decode(Buffer.concat(pending), lineStart), offset: lineStart, end: pos };
}

/** A line's JSON, or undefined when it is not JSON. */
function parsedLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Destroys a read stream and waits for its file to be closed: a scan that returned with its fd still open (the close
 * runs on libuv's thread pool) kept a deleted journal's space taken until some later moment.
 */
async function closeStream(stream: ReadStream): Promise<void> {
  if (stream.closed) return;
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  stream.destroy();
  await closed;
}

/** The journal's valid events, oldest first as written; corrupt lines are skipped. */
export async function readJournal(file: string, opts: ReadJournalOptions = {}): Promise<ClawbackEvent[]> {
  return (await scanJournal(file, opts)).events;
}

/**
 * The events of the window's lines from `from` to `to` (both included), read as scanJournal with the same options read
 * them (before a file's cut only its incident lines), and handed to onEvent with where they lie: an incident's lines
 * without reading the rest of the journal (a whole timeline asked by id read a 349 MiB journal again, ~5 s). Answers
 * the bytes read. The files must be those the places were taken in (the caller checks the journal did not change).
 */
export async function readJournalSpan(
  file: string,
  opts: Pick<ReadJournalOptions, 'rotated' | 'maxBytesPerFile' | 'incidentLinesBeforeCut'>,
  from: JournalAt,
  to: JournalAt,
  onEvent: (event: ClawbackEvent, at: JournalAt) => void,
): Promise<number> {
  const files: string[] = [];
  for (let g = opts.rotated ?? 1; g >= 1; g--) files.push(`${file}.${g}`);
  files.push(file);
  const result: JournalScan = { events: [], corruptLines: 0, corruptLineNumbers: [], unnotedCorruptLines: 0, unnotedCorruptLineNumbers: [], cuts: [] };
  const sink: ReadJournalOptions = { onEventAt: onEvent };
  let bytes = 0;
  for (let seq = from.seq; seq <= to.seq && seq < files.length; seq++) {
    const f = files[seq]!;
    const size = await stat(f).then(
      (st) => st.size,
      () => undefined,
    );
    if (size === undefined) continue;
    const lo = seq === from.seq ? from.offset : 0;
    const hi = Math.min(size, seq === to.seq ? to.end : size);
    if (hi <= lo) continue;
    let whole = 0;
    if (size > (opts.maxBytesPerFile ?? JOURNAL_READ_MAX_BYTES)) {
      const cutAt = await lineStartAtOrAfter(f, size - (opts.maxBytesPerFile ?? JOURNAL_READ_MAX_BYTES));
      // Before the cut the full scan read incident lines only (or nothing): the same here, so the fold sees the same.
      if (opts.incidentLinesBeforeCut) await scanIncidentLines(f, lo, Math.min(hi, cutAt), sink, result, seq);
      whole = cutAt;
    }
    const start = Math.max(lo, whole);
    if (start < hi) await scanSpanLines(f, start, hi, sink, result, seq);
    bytes += hi - lo;
  }
  return bytes;
}

/** Every valid event of bytes [from, end) of a file (lines that are not one are skipped). */
async function scanSpanLines(file: string, from: number, end: number, opts: ReadJournalOptions, result: JournalScan, seq: number): Promise<void> {
  for await (const { line, offset, end: next } of linesAt(file, from, end)) {
    if (line.trim() === '') continue;
    const parsed = parsedLine(line);
    if (!isClawbackEvent(parsed) || isTornLineNote(parsed)) continue;
    take(parsed, opts, result, { seq, offset, end: next });
  }
}
