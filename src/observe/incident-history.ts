// GET /api/incidents for many readers at once (every dashboard tab asks after each incident event): one journal read
// at a time, shared by the requests that arrive meanwhile, and reused until the journal files change. Only the newest
// INCIDENT_HISTORY_KEEP summaries stay in memory (the most a list answer shows): the whole window held ~24 MiB of heap
// for a 16 MiB journal and .1, for the months a daemon runs. An older incident asked by id is read from disk again.
// A read folds the events as they stream in (as `clawback incidents` does): holding the window's events first took
// the daemon's RSS from 62 to 120 MB to answer a 200 000-event journal. The fold keeps each incident's newest
// LIST_TIMELINE_EVENTS events and actions (what the list shows by default) and counts the rest: it kept every timeline
// whole and cut them after, 4.5 s and +294 MB RSS to answer a 349 MiB journal. A whole timeline (an incident by id,
// ?timeline=full, or more than that many) is folded from a fresh read of the journal, for that answer alone. One incident
// by id reads its own lines only: the list's read records where each incident's lines lie (IncidentSpan), and opening
// one reads that span (opening a long cut incident read the whole 349 MiB journal again, ~5 s, each time).
import { stat } from 'node:fs/promises';
import type { ClawbackEvent } from './events.js';
import { journalWindowFiles, scanJournalWindow } from './journal-incidents.js';
import { JOURNAL_KEEP } from './journal.js';
import { readJournalSpan, type JournalAt } from './journal-read.js';
import { IncidentFold, LIST_TIMELINE_EVENTS, cutTimeline, type IncidentFoldOptions, type IncidentSpan, type IncidentSummary } from './incidents.js';

/** Rounds a request waits for a read of an older journal before it joins whatever read is running. */
const MAX_WAIT_ROUNDS = 3;

/** Summaries kept in memory: the newest, as many as the longest list /api/incidents gives (its limit's maximum). */
export const INCIDENT_HISTORY_KEEP = 500;

/** Identifies the journal's content as a reader sees it: each file's inode, size and mtime (the window it reads). */
export async function journalSignature(file: string): Promise<string> {
  const parts = await Promise.all(
    journalWindowFiles(file).map(async (f) => {
      try {
        const s = await stat(f);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        return '-';
      }
    }),
  );
  return parts.join('|');
}

export interface IncidentHistory {
  /**
   * The newest INCIDENT_HISTORY_KEEP incident summaries, oldest first, as summarizeIncidents gives them; treat as
   * read-only (shared between callers).
   */
  incidents(): Promise<readonly IncidentSummary[]>;
  /**
   * The same incidents, each timeline (and its actions) cut to its newest `timeline` events, the rest counted
   * (cutTimeline); Infinity: whole. Up to LIST_TIMELINE_EVENTS from memory, more from a fresh read (not kept).
   */
  list(timeline: number): Promise<readonly IncidentSummary[]>;
  /** One incident by id, its timeline whole: from memory when it is there whole, else from a fresh read (not kept). */
  incident(id: string): Promise<IncidentSummary | undefined>;
  /** How many incidents' spans are held (at most INCIDENT_HISTORY_KEEP: those of the incidents kept). */
  heldSpans(): number;
}

/** Streams the journal's events, in the order written, to onEvent (with where each line lies, when known); holds none of them. */
export type JournalStream = (file: string, onEvent: (event: ClawbackEvent, at?: JournalAt) => void) => Promise<void>;

/** Streams the window's lines from `from` to `to` (both included) as the JournalStream reads them; answers the bytes read. */
export type JournalSpanStream = (file: string, from: JournalAt, to: JournalAt, onEvent: (event: ClawbackEvent, at: JournalAt) => void) => Promise<number>;

const streamJournal: JournalStream = async (file, onEvent) => {
  await scanJournalWindow(file, onEvent);
};

const streamJournalSpan: JournalSpanStream = (file, from, to, onEvent) =>
  readJournalSpan(file, { rotated: JOURNAL_KEEP, incidentLinesBeforeCut: true }, from, to, onEvent);

/** The journal's incidents, folded as it is read (summarizeIncidents' answer, in journal order, timelines as `opts` keeps them). */
async function foldJournal(read: JournalStream, file: string, opts: IncidentFoldOptions): Promise<IncidentSummary[]> {
  return (await foldJournalSpans(read, file, opts)).value;
}

async function foldJournalSpans(read: JournalStream, file: string, opts: IncidentFoldOptions): Promise<{ value: IncidentSummary[]; spans: ReadonlyMap<string, IncidentSpan> }> {
  const fold = new IncidentFold(opts);
  await read(file, (e, at) => fold.add(e, at));
  return { value: fold.summaries(), spans: fold.spans() };
}

const before = (a: JournalAt, b: JournalAt): boolean => a.seq < b.seq || (a.seq === b.seq && a.offset < b.offset);

/**
 * One incident folded from its span alone: its own lines, and the id-less ones while it held its service (as the whole
 * journal's fold hands them); undefined when what lies there is not what the list's read found (a line miscounted).
 */
async function foldSpan(readSpan: JournalSpanStream, file: string, id: string, span: IncidentSpan): Promise<IncidentSummary | undefined> {
  const fold = new IncidentFold({ whole: id });
  let own = 0;
  let firstOk: boolean | undefined;
  await readSpan(file, span.first, span.last, (e, at) => {
    if (firstOk === undefined) firstOk = e.incidentId === id && at.seq === span.first.seq && at.offset === span.first.offset;
    if (e.incidentId === id) own++;
    else if (e.incidentId || (span.heldUntil && !before(at, span.heldUntil))) return;
    fold.add(e);
  });
  if (!firstOk || own !== span.ownLines) return undefined;
  return fold.summaries().find((i) => i.id === id);
}

export function incidentHistory(journalFile: string, read: JournalStream = streamJournal, readSpan: JournalSpanStream = streamJournalSpan): IncidentHistory {
  /** older: the journal window held incidents older than the kept ones; spans: where every incident's lines lie. */
  let cached: { key: string; value: IncidentSummary[]; older: boolean; spans: ReadonlyMap<string, IncidentSpan> } | undefined;
  let running: { key: string; done: Promise<IncidentSummary[]> } | undefined;
  let lookedUp: { key: string; id: string; value: IncidentSummary | undefined } | undefined;
  /** Every journal read runs after the one before it: never two at once (a lookup by id included). */
  let reading: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = reading.then(fn, fn);
    reading = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  };

  const start = (key: string): Promise<IncidentSummary[]> => {
    const done = exclusive(() => foldJournalSpans(read, journalFile, { keep: LIST_TIMELINE_EVENTS })).then(({ value: all, spans: every }) => {
      const value = all.length > INCIDENT_HISTORY_KEEP ? all.slice(-INCIDENT_HISTORY_KEEP) : all;
      // Only the kept incidents' spans stay: every incident's held ~45 MB for the daemon's life with 100 000 incidents in
      // the window (0.9 MB without). An older one asked by id is read from the whole journal, as before spans.
      const spans = new Map<string, IncidentSpan>();
      for (const inc of value) {
        const span = every.get(inc.id);
        if (span) spans.set(inc.id, span);
      }
      cached = { key, value, older: all.length > value.length, spans };
      return value;
    });
    const mine = { key, done };
    running = mine;
    const clear = (): void => {
      if (running === mine) running = undefined;
    };
    done.then(clear, clear);
    return done;
  };

  const incidents = async (): Promise<IncidentSummary[]> => {
    for (let round = 0; round < MAX_WAIT_ROUNDS; round++) {
      const key = await journalSignature(journalFile);
      if (cached?.key === key) return cached.value;
      if (!running) return start(key);
      if (running.key === key) return running.done;
      // A read of an older journal is running: never a second one beside it; look again once it is over.
      await running.done.catch(() => undefined);
    }
    const key = await journalSignature(journalFile);
    return running ? running.done : start(key);
  };

  const whole = (inc: IncidentSummary): boolean => inc.timelineOmitted === undefined && inc.actionsOmitted === undefined;

  return {
    incidents,
    async list(timeline) {
      if (timeline <= LIST_TIMELINE_EVENTS) return (await incidents()).map((inc) => cutTimeline(inc, timeline));
      const all = await exclusive(() => foldJournal(read, journalFile, { keep: timeline }));
      return all.length > INCIDENT_HISTORY_KEEP ? all.slice(-INCIDENT_HISTORY_KEEP) : all;
    },
    async incident(id) {
      const kept = await incidents();
      const found = kept.find((i) => i.id === id);
      if (found && whole(found)) return found;
      if (!found && cached?.value === kept && !cached.older) return undefined;
      // The last incident read again is kept (one summary), so asking again reads nothing until the journal changes.
      const key = cached?.key;
      if (lookedUp && lookedUp.key === key && lookedUp.id === id) return lookedUp.value;
      const spans = cached?.value === kept ? cached.spans : undefined;
      const value = await exclusive(async () => {
        const span = spans?.get(id);
        // Its own lines only, while the journal is still the one its places were taken in.
        if (span && key !== undefined) {
          const one = await foldSpan(readSpan, journalFile, id, span);
          if (one && (await journalSignature(journalFile)) === key) return one;
        }
        // Only this incident's timeline kept whole while reading; the others' events are counted, not held.
        return (await foldJournal(read, journalFile, { keep: 0, whole: id })).find((i) => i.id === id);
      });
      if (key !== undefined) lookedUp = { key, id, value };
      return value;
    },
    heldSpans: () => cached?.spans.size ?? 0,
  };
}
