// The one reader of the journal's incidents: the daemon (/api/incidents, the dashboard) and the CLI (`clawback
// incidents`, `incident ID`, `digest`) read the same window through it, folded as it streams. The daemon read .1 and
// the live file while the CLI read .3 to the live file: an incident opened in .2 read reason "unknown", TTR 0 in one.
import type { ClawbackEvent } from './events.js';
import { IncidentFold, type IncidentSummary } from './incidents.js';
import { JOURNAL_KEEP } from './journal.js';
import { scanJournal, type JournalAt, type JournalScan } from './journal-read.js';

/** The window's files, oldest first: every rotated generation the writer keeps (journal.jsonl.N .. .1), then the live file. */
export function journalWindowFiles(file: string): string[] {
  const files: string[] = [];
  for (let g = JOURNAL_KEEP; g >= 1; g--) files.push(`${file}.${g}`);
  files.push(file);
  return files;
}

/** Streams the window's events, in the order written, to onEvent (none is held); the scan says what was skipped or cut. */
export function scanJournalWindow(file: string, onEvent: (event: ClawbackEvent, at: JournalAt) => void): Promise<JournalScan> {
  return scanJournal(file, { rotated: JOURNAL_KEEP, incidentLinesBeforeCut: true, onEventAt: onEvent });
}

/** The window's incidents (summarizeIncidents' answer, in journal order), folded as the lines are read. */
export async function readJournalIncidents(file: string): Promise<{ incidents: IncidentSummary[]; scan: JournalScan }> {
  const fold = new IncidentFold();
  const scan = await scanJournalWindow(file, (e) => fold.add(e));
  return { incidents: fold.summaries(), scan };
}
