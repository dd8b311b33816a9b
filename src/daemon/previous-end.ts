// A daemon that ended without its shutdown (kill -9, out of memory, a segfault) leaves its daemon.json behind and says
// nothing: the next daemon tells it (once), apart from a machine reboot and from an end the dying daemon told itself.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import { readRegularFileSync } from '../platform/read-regular.js';
import type { ClawbackEvent } from '../observe/events.js';
import { readJournal } from '../observe/journal-read.js';
import type { DaemonInfo } from './daemon-info.js';

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
export function noteGuardianRevive(stateDir: string, before: Pick<DaemonInfo, 'pid' | 'startedAt'>, now: number, direct = false): void {
  writeFileAtomicSync(path.join(stateDir, GUARDIAN_REVIVE_NOTE), JSON.stringify({ pid: before.pid, startedAt: before.startedAt, at: now, ...(direct ? { direct: true } : {}) }) + '\n', { mode: 0o600 });
}

/**
 * True when the guardian's note names this previous daemon and this daemon is the one it announces (any start after a
 * service-manager restart, only the guardian's own after a direct one); the note is removed either way (it serves one start).
 */
function takeGuardianNote(stateDir: string, previous: DaemonInfo | null, startedByGuardian: boolean): boolean {
  const file = path.join(stateDir, GUARDIAN_REVIVE_NOTE);
  let note: { pid?: unknown; startedAt?: unknown; direct?: unknown } | undefined;
  try {
    note = JSON.parse(readRegularFileSync(file).toString('utf8')) as typeof note;
  } catch {
    note = undefined;
  }
  rmSync(file, { force: true });
  return !!previous && note?.pid === previous.pid && note?.startedAt === previous.startedAt && (note?.direct !== true || startedByGuardian);
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
}

/**
 * The `daemon.died` event for a previous daemon that ended uncleanly, `daemon.machine-restarted` when the machine
 * rebooted since its last heartbeat (a reboot, not a daemon's death: said once, as this daemon removes daemon.json at
 * its stop), or undefined: no daemon.json left (a clean stop, SIGUSR2 included, removes it), or it journaled its own
 * end (`daemon.crashed` before exit 70, `daemon.stopped`) after it started, or the guardian, which revives it, says it.
 */
export async function previousDaemonEnd(stateDir: string, facts: PreviousEndFacts): Promise<ClawbackEvent | undefined> {
  const { previous, now, bootAt } = facts;
  const byGuardian = takeGuardianNote(stateDir, previous, facts.startedByGuardian === true);
  if (!previous || byGuardian) return undefined;
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
