// What daemon.stopped means, in one place: stopped on purpose in this boot. A shutdown's SIGTERM writes it too, and
// under cron (no service manager starts the daemon at boot) a marker from an earlier boot kept it down for good.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

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
