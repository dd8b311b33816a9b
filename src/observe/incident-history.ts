// GET /api/incidents for many readers at once (every dashboard tab asks after each incident event): one journal read
// at a time, shared by the requests that arrive meanwhile, and reused until the journal files change.
import { stat } from 'node:fs/promises';
import type { ClawbackEvent } from './events.js';
import { readJournal } from './journal-read.js';
import { summarizeIncidents, type IncidentSummary } from './incidents.js';

/** Rounds a request waits for a read of an older journal before it joins whatever read is running. */
const MAX_WAIT_ROUNDS = 3;

/** Identifies the journal's content as a reader sees it: each file's inode, size and mtime (read: this and .1). */
async function signature(file: string): Promise<string> {
  const parts = await Promise.all(
    [`${file}.1`, file].map(async (f) => {
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
  /** Incident summaries, oldest first, as summarizeIncidents gives them; treat as read-only (shared between callers). */
  incidents(): Promise<readonly IncidentSummary[]>;
}

export function incidentHistory(journalFile: string, read: (file: string) => Promise<ClawbackEvent[]> = (f) => readJournal(f)): IncidentHistory {
  let cached: { key: string; value: IncidentSummary[] } | undefined;
  let running: { key: string; done: Promise<IncidentSummary[]> } | undefined;

  const start = (key: string): Promise<IncidentSummary[]> => {
    const done = read(journalFile).then((events) => {
      const value = summarizeIncidents(events);
      cached = { key, value };
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

  return {
    async incidents() {
      for (let round = 0; round < MAX_WAIT_ROUNDS; round++) {
        const key = await signature(journalFile);
        if (cached?.key === key) return cached.value;
        if (!running) return start(key);
        if (running.key === key) return running.done;
        // A read of an older journal is running: never a second one beside it; look again once it is over.
        await running.done.catch(() => undefined);
      }
      const key = await signature(journalFile);
      return running ? running.done : start(key);
    },
  };
}
