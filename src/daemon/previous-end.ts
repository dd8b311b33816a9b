// A daemon that ended without its shutdown (kill -9, out of memory, a segfault) leaves its daemon.json behind and says
// nothing: the next daemon tells it (once), apart from a machine reboot and from an end the dying daemon told itself.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import { readRegularFileSync } from '../platform/read-regular.js';
import type { ClawbackEvent } from '../observe/events.js';
import { readJournal } from '../observe/journal-read.js';
import type { DaemonInfo } from './daemon-info.js';
import { processStartTime } from '../platform/proc.js';

/** How long the status and the dashboard show that the previous daemon died. */
export const PREVIOUS_DIED_SHOWN_MS = 60 * 60_000;

/** Written by the guardian before it starts a daemon again: that end is the guardian's to say (guardian.revived). */
export const GUARDIAN_REVIVE_NOTE = 'guardian-revive.json';

/**
 * The guardian's note: it found this daemon dead or hung and starts the next one; read (and removed) by that one.
 * `direct`: the guardian starts that one itself (`run --started-by-guardian`), so only such a daemon may take the end as
 * told. A person's `clawback run` that wins daemon.lock at the same moment is not the guardian's: the guardian then says
 * "started by someone else" and no guardian.revived, so that daemon must say daemon.died itself, or nobody did.
 */
export function noteGuardianRevive(stateDir: string, before: Pick<DaemonInfo, 'pid' | 'startedAt'>, now: number, direct = false, pass: GuardianPassId = ownPass()): void {
  writeFileAtomicSync(path.join(stateDir, GUARDIAN_REVIVE_NOTE), JSON.stringify({ pid: before.pid, startedAt: before.startedAt, at: now, ...(direct ? { direct: true } : {}), pass }) + '\n', { mode: 0o600 });
}

/** The guardian pass that wrote a note: it promises to tell the end (guardian.revived, or its "could not revive"). */
export interface GuardianPassId {
  pid: number;
  startTime: number | null;
}

const ownPass = (): GuardianPassId => ({ pid: process.pid, startTime: processStartTime(process.pid) ?? null });

/**
 * The previous daemon's end, held by the daemon a guardian pass announced: the pass that wrote the note tells it only
 * once it sees this daemon's heartbeat (or gives up), after this daemon read the note. A pass ended by its own bound
 * or its watchdog (exit 1, 137) in between told nothing: then this daemon says the end after all (heldEndVerdict).
 */
export interface HeldEnd {
  event: ClawbackEvent;
  /** The previous daemon's pid (guardian.revived's details.oldPid). */
  oldPid: number;
  /** Epoch ms the note was written. */
  notedAt: number;
  pass: GuardianPassId;
}

/**
 * Pure: what becomes of a held end. `told`: the pass queued guardian.revived for that daemon, or finished with a pass
 * record that reports it (revived, or daemon-down: its "could not revive"); `wait`: the pass still runs (the caller
 * looks whether it runs before it drains the queue, so a guardian.revived queued just before its end is seen);
 * `say`: the pass is gone and told nothing, or this daemon stops (`stopping`, its last drain) while the pass still runs:
 * that pass sees a stopping daemon, never its heartbeat, and ends `stopped` without a word, so the end is said now.
 */
export function heldEndVerdict(
  held: Pick<HeldEnd, 'notedAt'>,
  seen: { revived: boolean; passRuns: boolean; lastPass: { at: number; outcome: string } | null; stopping?: boolean },
): 'told' | 'wait' | 'say' {
  if (seen.revived) return 'told';
  if (seen.passRuns) return seen.stopping ? 'say' : 'wait';
  const p = seen.lastPass;
  return p && p.at >= held.notedAt && (p.outcome === 'revived' || p.outcome === 'daemon-down') ? 'told' : 'say';
}

/** The held end as said once its pass turned out to have told nothing. */
export function heldEndEvent(held: HeldEnd, now: number, passRuns = false): ClawbackEvent {
  const why = passRuns
    ? `; this daemon stopped while the guardian pass (pid ${held.pass.pid}) that started it still ran, before it said so`
    : `; the guardian pass (pid ${held.pass.pid}) that started this daemon ended before it said so`;
  return { ...held.event, time: now, message: held.event.message + why, details: { ...held.event.details, guardianPass: held.pass.pid } };
}

/**
 * True when the guardian's note names this previous daemon and this daemon is the one it announces (any start after a
 * service-manager restart, only the guardian's own after a direct one); the note is removed either way (it serves one start).
 */
function takeGuardianNote(stateDir: string, previous: DaemonInfo | null, startedByGuardian: boolean): GuardianNote | undefined {
  const file = path.join(stateDir, GUARDIAN_REVIVE_NOTE);
  let note: GuardianNote | undefined;
  try {
    note = JSON.parse(readRegularFileSync(file).toString('utf8')) as typeof note;
  } catch {
    note = undefined;
  }
  rmSync(file, { force: true });
  return !!previous && note?.pid === previous.pid && note?.startedAt === previous.startedAt && (note?.direct !== true || startedByGuardian) ? note : undefined;
}

interface GuardianNote {
  pid?: unknown;
  startedAt?: unknown;
  at?: unknown;
  direct?: unknown;
  pass?: { pid?: unknown; startTime?: unknown };
}

/** The pass a note names (none in a note of an older guardian). */
function passOf(note: GuardianNote): GuardianPassId | undefined {
  const pid = note.pass?.pid;
  const start = note.pass?.startTime;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, startTime: typeof start === 'number' && Number.isFinite(start) ? start : null };
}

/** Journal bytes read (per file) to find the previous daemon's own last word: its crash or stop event. */
const OWN_END_SCAN_BYTES = 1024 * 1024;

export interface PreviousEndFacts {
  /** daemon.json as left behind (its pid is not a live daemon any more), or null when it was removed (a clean stop). */
  previous: DaemonInfo | null;
  /** Epoch ms now. */
  now: number;
  /** Epoch ms of the machine's (or container's) last boot; undefined when unknown. */
  bootAt: number | undefined;
  /** This daemon was started by the guardian itself (`run --started-by-guardian`). */
  startedByGuardian?: boolean;
  /**
   * Takes the end a guardian pass announced (its note names the pass): held until that pass told it or ended without
   * (heldEndVerdict). Without it a note is honoured at once, as it was: a pass killed by its bound told nobody.
   */
  hold?: (held: HeldEnd) => void;
}

/**
 * The `daemon.died` event for a previous daemon that ended uncleanly, `daemon.machine-restarted` when the machine
 * rebooted since its last heartbeat (a reboot, not a daemon's death: said once, as this daemon removes daemon.json at
 * its stop), or undefined: no daemon.json left (a clean stop, SIGUSR2 included, removes it), or it journaled its own
 * end (`daemon.crashed` before exit 70, `daemon.stopped`) after it started, or the guardian, which revives it, says it.
 */
export async function previousDaemonEnd(stateDir: string, facts: PreviousEndFacts): Promise<ClawbackEvent | undefined> {
  const { previous, now, bootAt } = facts;
  const note = takeGuardianNote(stateDir, previous, facts.startedByGuardian === true);
  if (!previous) return undefined;
  const pass = note ? passOf(note) : undefined;
  if (note && (!pass || !facts.hold)) return undefined;
  const end = await endOf(stateDir, previous, now, bootAt);
  if (note && end) facts.hold!({ event: end, oldPid: previous.pid, notedAt: typeof note.at === 'number' ? note.at : 0, pass: pass! });
  return note ? undefined : end;
}

async function endOf(stateDir: string, previous: DaemonInfo, now: number, bootAt: number | undefined): Promise<ClawbackEvent | undefined> {
  if (bootAt !== undefined && bootAt > previous.heartbeatAt) {
    const downMs = Math.max(0, bootAt - previous.heartbeatAt);
    return {
      type: 'daemon.machine-restarted',
      time: now,
      severity: 'warning',
      message:
        `the machine restarted at ${new Date(bootAt).toISOString()}: the previous clawback daemon (pid ${previous.pid}) ` +
        `last wrote its heartbeat at ${new Date(previous.heartbeatAt).toISOString()}, ${Math.round(downMs / 1000)} s before the boot; the services start again now`,
      details: { pid: previous.pid, startedAt: previous.startedAt, lastHeartbeatAt: previous.heartbeatAt, bootAt, version: previous.version },
    };
  }
  const own = await readJournal(path.join(stateDir, 'journal.jsonl'), { since: previous.startedAt, maxBytesPerFile: OWN_END_SCAN_BYTES }).catch(() => []);
  if (own.some((e) => (e.type === 'daemon.crashed' && e.details?.by !== 'guardian') || e.type === 'daemon.stopped')) return undefined;
  const gapMs = Math.max(0, now - previous.heartbeatAt);
  const last = new Date(previous.heartbeatAt).toISOString();
  return {
    type: 'daemon.died',
    time: now,
    severity: 'critical',
    message:
      `the previous clawback daemon (pid ${previous.pid}) ended without shutting down (killed, out of memory or crashed): ` +
      `its last heartbeat was at ${last}, ${Math.round(gapMs / 1000)} s ago; the services ran unsupervised until now`,
    details: { pid: previous.pid, startedAt: previous.startedAt, lastHeartbeatAt: previous.heartbeatAt, unsupervisedMs: gapMs, version: previous.version },
  };
}
