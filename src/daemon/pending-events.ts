// Events from processes other than the daemon (the guardian): queued in a file, emitted by the next daemon start.
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ClawbackEvent } from '../observe/events.js';

const FILE = 'pending-events.jsonl';

export function appendPendingEvent(stateDir: string, event: ClawbackEvent): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  appendFileSync(path.join(stateDir, FILE), JSON.stringify(event) + '\n', { mode: 0o600 });
}

/** Reads and removes the queue; a line that does not parse is skipped. */
export function takePendingEvents(stateDir: string): ClawbackEvent[] {
  const file = path.join(stateDir, FILE);
  const taken = `${file}.${process.pid}`;
  // Checked every 2 s and almost always absent: a failing renameSync builds an Error with a stack each time.
  if (!existsSync(file)) return [];
  try {
    renameSync(file, taken);
  } catch {
    return [];
  }
  const out: ClawbackEvent[] = [];
  for (const line of readFileSync(taken, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as ClawbackEvent);
    } catch {
      // A torn line from a crashed writer: nothing to deliver.
    }
  }
  rmSync(taken, { force: true });
  return out;
}
