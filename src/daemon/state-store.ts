// Durable daemon state (restart history, breaker, open incident, instance pid) in one atomically written file.
import { copyFileSync, lstatSync, renameSync } from 'node:fs';
import path from 'node:path';
import { removeStaleTemps, writeFileAtomicSync } from '../platform/atomic-write.js';
import { FileTooLargeError, NotRegularFileError, readRegularFileSync } from '../platform/read-regular.js';
import type { Incident, ServiceRecord } from '../decide/service-state.js';
import { dropMisshapenFields, type StateShapeProblem } from './state-shape.js';
import { wholeReadLimit } from './heap-watch.js';
import type { HeapFigures } from '../platform/heap-figures.js';
import { fileStamp } from '../platform/file-stamp.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

export interface ServiceState {
  record: ServiceRecord;
  incident: Incident | null;
}

export interface DaemonState {
  version: 1;
  services: Record<string, ServiceState>;
}

export interface LoadedState {
  state: DaemonState;
  /** Set when the file existed but could not be read: where the bad copy was moved. */
  corruptMovedTo?: string;
  /** Set when the file was whole but written by a newer Clawback (its state version): moved aside as well. */
  newerVersion?: number;
  /** Set when a FIFO, a directory or a device took the file's place ("a FIFO"…): moved aside as well. */
  notRegular?: string;
  /** Set when the file was bigger than STATE_MAX_BYTES, or than the heap left can parse (its size): not read, moved aside as well. */
  tooLarge?: number;
  /** The bound it was over (STATE_MAX_BYTES, or less on a small heap). */
  maxBytes?: number;
  /** Set by setAside(): the size of the file moved aside unread. */
  suspectBytes?: number;
  /** True when there was no state file at all (first start, or the directory was wiped). */
  fresh: boolean;
  /** Fields of the wrong shape that were dropped (the file as read is kept at `keptAs`). */
  misshapen?: { problems: StateShapeProblem[]; keptAs: string };
}

/**
 * Past this, state.json is no state this daemon wrote (a thousand services' records take a few MB): a file bigger than
 * 2 GiB refused the daemon's start with ERR_FS_FILE_TOO_LARGE, a smaller huge one would be parsed into the heap whole.
 */
export const STATE_MAX_BYTES = 64 * 1024 * 1024;

function isDaemonState(v: unknown): v is DaemonState {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return o.version === 1 && !!o.services && typeof o.services === 'object' && !Array.isArray(o.services);
}

export class StateStore {
  readonly file: string;

  constructor(
    stateDir: string,
    private readonly now: () => number = Date.now,
    private readonly heap?: () => HeapFigures,
  ) {
    this.file = path.join(stateDir, 'state.json');
  }

  load(): LoadedState {
    removeStaleTemps(this.file); // left by a daemon killed mid-write
    // Never a plain read: a FIFO in the file's place would block the daemon's start for good (SIGTERM unheard).
    let text = '';
    let notRegular: string | undefined;
    let tooLarge: number | undefined;
    // On a small heap (--max-old-space-size) a file the heap cannot parse is not read whole: it killed every start.
    const maxBytes = wholeReadLimit(STATE_MAX_BYTES, this.heap);
    try {
      text = readRegularFileSync(this.file, { maxBytes }).toString('utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: { version: 1, services: {} }, fresh: true };
      if (err instanceof FileTooLargeError) tooLarge = err.size;
      else if (err instanceof NotRegularFileError) notRegular = err.kind;
      else throw err;
    }
    let newer: number | undefined;
    if (notRegular === undefined && tooLarge === undefined) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (isDaemonState(parsed)) {
          const problems = dropMisshapenFields(parsed);
          if (problems.length === 0) return { state: parsed, fresh: false };
          // The whole file stays as evidence: the fields dropped may be what a person wants to read back.
          const keptAs = `${this.file}.corrupt-${this.stamp()}`;
          copyFileSync(this.file, keptAs);
          return { state: parsed, fresh: false, misshapen: { problems, keptAs } };
        }
        const v = (parsed as { version?: unknown } | null)?.version;
        if (typeof v === 'number' && v > 1) newer = v;
      } catch {
        // unreadable: moved aside below
      }
    }
    const stamp = this.stamp();
    const aside = newer === undefined ? `${this.file}.corrupt-${stamp}` : `${this.file}.v${newer}-${stamp}`;
    renameSync(this.file, aside);
    return {
      state: { version: 1, services: {} },
      corruptMovedTo: aside,
      ...(newer === undefined ? {} : { newerVersion: newer }),
      ...(notRegular === undefined ? {} : { notRegular }),
      ...(tooLarge === undefined ? {} : { tooLarge, maxBytes }),
      fresh: false,
    };
  }

  /** The safe road after starts that died: the file is moved aside unread (evidence, never deleted), state starts fresh. */
  setAside(): LoadedState {
    removeStaleTemps(this.file);
    let size: number;
    try {
      size = lstatSync(this.file).size;
    } catch {
      return { state: { version: 1, services: {} }, fresh: true };
    }
    const aside = `${this.file}.corrupt-${this.stamp()}`;
    renameSync(this.file, aside);
    return { state: { version: 1, services: {} }, corruptMovedTo: aside, suspectBytes: size, fresh: false };
  }

  private stamp(): string {
    return fileStamp(this.now());
  }

  /** Atomic and checked: throws on a failed or short write, and then state.json still holds the previous good copy. */
  save(state: DaemonState): void {
    mkdirRecursiveSync(path.dirname(this.file), 0o700);
    writeFileAtomicSync(this.file, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  }
}
