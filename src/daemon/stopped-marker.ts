// What daemon.stopped means, in one place: stopped on purpose in this boot. A shutdown's SIGTERM writes it too, and
// under cron (no service manager starts the daemon at boot) a marker from an earlier boot kept it down for good.
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseOwner, type LockOwner } from '../platform/file-lock.js';
import { isSameProcess } from '../platform/proc.js';
import { readRegularFileSync } from '../platform/read-regular.js';

const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

/** The marker's file name in the state directory. */
export const STOPPED_MARKER = 'daemon.stopped';

/** This boot's id (Linux), undefined where it cannot be read (macOS). */
export function currentBootId(read: (file: string) => string = (f) => readFileSync(f, 'utf8')): string | undefined {
  try {
    const id = read(BOOT_ID_FILE).trim();
    return id === '' ? undefined : id;
  } catch {
    return undefined;
  }
}

/** The marker's text: when, and the boot it was written in. */
export function stoppedMarkerText(now: number, bootId: string | undefined): string {
  return `${new Date(now).toISOString()}\n${bootId ? `boot ${bootId}\n` : ''}`;
}

/**
 * Pure: whether a marker with this text still says "stopped on purpose". One written in another boot does not (the
 * daemon was stopped by the shutdown, or a person's stop lasts until the next boot, as under systemd and launchd,
 * which start the daemon at boot); one that names no boot, or where the boot is unknown, does (an empty marker is what
 * a full disk leaves).
 */
export function stoppedThisBoot(text: string, bootId: string | undefined): boolean {
  const named = /^boot (\S+)$/m.exec(text)?.[1];
  return named === undefined || bootId === undefined || named === bootId;
}

/**
 * Whether daemon.stopped in stateDir says "stopped on purpose" in this boot, read when the caller holds daemon.lock: a
 * stop's marker is written before its daemon lets go of the lock, so a stop that landed after the guardian looked is
 * seen here. A marker that cannot be read (not ENOENT) counts, as an empty one does.
 */
export function stoppedOnPurposeNow(stateDir: string, marker: string, bootId: string | undefined = currentBootId()): boolean {
  let text: string;
  try {
    text = readFileSync(path.join(stateDir, marker), 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  return stoppedThisBoot(text, bootId);
}

/** Pure: when the marker was written (its first line), undefined when it says no time (an empty marker). */
export function stoppedMarkerAt(text: string): number | undefined {
  const t = Date.parse(text.split('\n', 1)[0]!.trim());
  return Number.isFinite(t) ? t : undefined;
}

/**
 * Pure: a live daemon took daemon.lock after the stop was written: it is a start (a person's `clawback run`, the
 * service manager's) that has not removed the marker yet (start() does, after loading its state), not a stop.
 */
export function stopEndedByStart(markerAt: number | undefined, holder: Pick<LockOwner, 'acquiredAt'> | null, holderLive: boolean): boolean {
  return holder !== null && holderLive && markerAt !== undefined && holder.acquiredAt > markerAt;
}

/**
 * The daemon that holds `lockFile` (same pid and start time) and took it after the marker `text` was written, or
 * undefined. A guardian pass during a person's start recorded `stopped` for a daemon that was starting.
 */
export function startedSinceStop(lockFile: string, text: string, same: (pid: number, startTime: number | null) => boolean = isSameProcess): LockOwner | undefined {
  let holder: LockOwner | null;
  try {
    holder = parseOwner(readRegularFileSync(lockFile, { maxBytes: 4096 }).toString('utf8'));
  } catch {
    return undefined;
  }
  return holder && stopEndedByStart(stoppedMarkerAt(text), holder, same(holder.pid, holder.startTime)) ? holder : undefined;
}

/** The marker says "stopped on purpose"; on a full disk an empty file (no data block needed) still says it. */
export function writeStoppedMarker(stateDir: string, now: number): void {
  const file = path.join(stateDir, STOPPED_MARKER);
  try {
    writeFileSync(file, stoppedMarkerText(now, currentBootId()));
  } catch (err) {
    closeSync(openSync(file, 'w'));
    throw new Error(`${STOPPED_MARKER} written empty: ${(err as Error).message}`);
  }
}
