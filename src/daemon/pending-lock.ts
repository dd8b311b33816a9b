// One process at a time appends to, compacts or claims pending-events.jsonl: a guardian's append opened before the
// daemon's claim landed in a queue already read and deleted (lost), and its compaction wrote back what was delivered.
import { linkSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { writeNewFileSync } from '../platform/atomic-write.js';
import { randomBytes } from 'node:crypto';
import { isAlive as procIsAlive, processStartTime } from '../platform/proc.js';
import { isLockAbandoned, parseOwner, type LockOwner } from '../platform/file-lock.js';

export const PENDING_LOCK_FILE = 'pending-events.lock';

export interface PendingLockDeps {
  isAlive?: (pid: number) => boolean;
  startTimeOf?: (pid: number) => number | null | undefined;
}

function readHolder(file: string): { text: string; holder: LockOwner | null } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // Written whole through a link, so never torn: a file that names no owner is a foreign one, treated as a dead holder's.
  return { text, holder: parseOwner(text) };
}

/**
 * Tries once to take the lock `file`; the release function, or undefined while a live process holds it. The owner is
 * written to a draft and linked into place, so a contender never reads it empty. A dead holder's lock (a guardian
 * killed mid-append) is moved aside, checked to be the one judged dead, and removed. Throws what the disk refuses.
 */
export function tryPendingLock(file: string, deps: PendingLockDeps = {}): (() => void) | undefined {
  const isAlive = deps.isAlive ?? procIsAlive;
  const startTimeOf = deps.startTimeOf ?? processStartTime;
  const me = { pid: process.pid, startTime: startTimeOf(process.pid) ?? null, token: randomBytes(8).toString('hex') };
  const text = JSON.stringify(me);
  const draft = `${file}.${process.pid}.${me.token}.new`;
  const release = (): void => {
    if (readHolder(file)?.holder?.token === me.token) rmSync(file, { force: true });
  };
  // A full disk creates the draft and refuses its bytes: removed again (one empty draft piled up per refused append).
  writeNewFileSync(draft, text);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(draft, file);
        return release;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const seen = readHolder(file);
      if (!seen) continue; // released meanwhile
      const h = seen.holder;
      const live = h !== null && !isLockAbandoned(h, { wallMs: 0, watchedMs: 0 }, { isAlive, startTimeOf, unreadableStaleMs: 0 });
      if (live) return undefined;
      const aside = `${file}.${process.pid}.${me.token}.dead`;
      try {
        renameSync(file, aside);
      } catch {
        continue; // removed by another contender
      }
      const moved = readHolder(aside);
      // Another contender took it between the read and the move: a live lock goes back where it was.
      if (moved && moved.text !== seen.text) {
        try {
          linkSync(aside, file);
        } catch {
          // a third one holds it now: theirs stands
        }
        rmSync(aside, { force: true });
        return undefined;
      }
      rmSync(aside, { force: true });
    }
    return undefined;
  } finally {
    rmSync(draft, { force: true });
  }
}

/** A synchronous pause (the writers are synchronous: a guardian's emit callback, the daemon's drain). */
function pauseSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `fn` holding the lock, waiting for a live holder up to `tries` × `pauseMs` (its hold is one append or one
 * rename). Past that, or when the lock cannot be written (a full disk), `fn` runs anyway: an event queued unlocked is
 * better than one not queued.
 */
export function withPendingLock<T>(file: string, fn: () => T, opts: PendingLockDeps & { tries?: number; pauseMs?: number } = {}): T {
  const tries = opts.tries ?? 400;
  let release: (() => void) | undefined;
  for (let i = 0; i < tries && !release; i++) {
    try {
      release = tryPendingLock(file, opts);
    } catch {
      break;
    }
    if (!release && i + 1 < tries) pauseSync(opts.pauseMs ?? 5);
  }
  try {
    return fn();
  } finally {
    try {
      release?.();
    } catch {
      // gone already: nothing held
    }
  }
}
