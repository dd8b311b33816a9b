// The incident journal: append-only JSON lines, one ClawbackEvent per state change.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ClawbackEvent } from './events.js';

export class JournalWriter {
  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  }

  /** Synchronous append: an event is on disk before the daemon acts on the next one. */
  append(event: ClawbackEvent): void {
    appendFileSync(this.file, JSON.stringify(event) + '\n', { mode: 0o600 });
  }
}
