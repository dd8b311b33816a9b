// A daemon killed during its own start (heap out of memory in a read, SIGKILL) journals nothing, and its service manager
// starts it again for ever: each start notes itself here before the risky reads, so the next one can count and say so.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import { readRegularFileSync } from '../platform/read-regular.js';

export const START_ATTEMPTS_FILE = 'start-attempts.json';
/** This many starts in a row that never reached `daemon.started`: the next one takes the safe road. */
export const START_LOOP_ATTEMPTS = 3;
/**
 * This many starts in a row that never reached `daemon.started` (the safe-road starts after START_LOOP_ATTEMPTS died
 * too): the guardian stops reviving the daemon and says so, where it started it (and each start died) for ever.
 */
export const GUARDIAN_START_LOOP_ATTEMPTS = 2 * START_LOOP_ATTEMPTS;

export interface StartAttempt {
  /** Starts in a row that did not reach daemon.started, this one included. */
  count: number;
  pid: number;
  at: number;
  /** How far that start got. */
  phase: string;
}

/** The note the last starts left in a state dir, undefined when none (or unreadable). */
export function readStartAttempt(stateDir: string): StartAttempt | undefined {
  return readAttempt(path.join(stateDir, START_ATTEMPTS_FILE));
}

function readAttempt(file: string): StartAttempt | undefined {
  try {
    const v = JSON.parse(readRegularFileSync(file, { maxBytes: 64 * 1024 }).toString('utf8')) as Partial<StartAttempt>;
    if (typeof v.count !== 'number' || !(v.count >= 1)) return undefined;
    return { count: Math.floor(v.count), pid: Number(v.pid) || 0, at: Number(v.at) || 0, phase: typeof v.phase === 'string' ? v.phase : 'unknown' };
  } catch {
    return undefined;
  }
}

/** One start's note: `previous` is what the starts before it left (undefined when the last one reached daemon.started). */
export interface StartNote {
  previous: StartAttempt | undefined;
  /** Records the phase this start reached (best effort: a full disk costs the note, never the start). */
  phase(phase: string): void;
  /** The start reached daemon.started, or refused with a reason it said (another daemon, a port taken): forgotten. */
  clear(): void;
}

export function noteStartAttempt(stateDir: string, pid: number, now: () => number): StartNote {
  const file = path.join(stateDir, START_ATTEMPTS_FILE);
  const previous = readAttempt(file);
  const count = (previous?.count ?? 0) + 1;
  const phase = (p: string): void => {
    try {
      writeFileAtomicSync(file, JSON.stringify({ count, pid, at: now(), phase: p }) + '\n', { mode: 0o600 });
    } catch {
      // best effort
    }
  };
  phase('starting');
  return {
    previous,
    phase,
    clear: () => {
      try {
        rmSync(file, { force: true });
      } catch {
        // best effort
      }
    },
  };
}
