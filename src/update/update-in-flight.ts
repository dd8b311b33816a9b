// The record of an update that has begun to touch its service: a daemon killed mid-update finds it at its next start.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.js';
import { specialKind } from '../platform/read-regular.js';
import { parseInstanceName } from '../instances/instance-name.js';
import { isMissing } from '../platform/errno-words.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

/** Written before an update stops its service, removed once the update has finished either way. */
export interface UpdateInFlight {
  runId: string;
  service: string;
  /** The version that ran before (the rollback target). */
  from: string;
  to: string;
  /** Where the config and state files are copied (manifest.json once the copy is complete). */
  backupDir: string;
  startedAt: number;
  by: string;
  /**
   * Set (before anything is restored) once the update decided to roll back: a daemon killed during the rollback's
   * restore, before `current` went back, leaves the new version's link over the old version's files; the next daemon
   * finishes the rollback instead of watching (and keeping) the new version.
   */
  rollback?: { reason: string; at: number };
}

/**
 * `<stateDir>/updates/<service>.in-flight.json`: beside the per-run directories, not inside them, so the state-dir
 * retention (which sweeps updates/<service>/<run>) never removes it.
 */
export function inFlightFile(stateDir: string, service: string): string {
  return path.join(stateDir, 'updates', `${service}.in-flight.json`);
}

const SUFFIX = '.in-flight.json';

/** The service a unit is an instance of (`gw` for `gw:1`), or the unit itself. */
export function groupOf(unit: string): string {
  return parseInstanceName(unit)?.group ?? unit;
}

/**
 * The services whose update record covers `unit`'s files, its own first: its own record, and those of its group (the
 * service as declared, `gw`, and its other instances, `gw:0`...), which run the same versions and files. A unit a scale
 * or a reload adds while one of them is in flight would start on files that may mix two versions.
 */
export async function recordsCovering(stateDir: string, unit: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(path.dirname(inFlightFile(stateDir, unit)));
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  const group = groupOf(unit);
  const owners = names.filter((n) => n.endsWith(SUFFIX)).map((n) => n.slice(0, -SUFFIX.length));
  return [...owners.filter((o) => o === unit), ...owners.filter((o) => o !== unit && groupOf(o) === group).sort()];
}

export async function writeInFlight(stateDir: string, rec: UpdateInFlight): Promise<void> {
  const file = inFlightFile(stateDir, rec.service);
  await mkdirRecursive(path.dirname(file), 0o700);
  await writeFileAtomic(file, `${JSON.stringify(rec, null, 2)}\n`, { mode: 0o600 });
}

/** The record, undefined when there is none; an unreadable one is reported, never guessed at. */
export async function readInFlight(stateDir: string, service: string): Promise<UpdateInFlight | { error: string } | undefined> {
  const file = inFlightFile(stateDir, service);
  let text: string;
  try {
    // Not a regular file (a FIFO, a socket, a directory): never opened, or the read of a FIFO nobody writes waits forever
    // (the daemon's boot with it). Reported as unreadable: the service is held for a person, the file kept as it is.
    const st = await fs.stat(file);
    if (!st.isFile()) return { error: `${file}: not a regular file (${specialKind(st)})` };
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { error: `${file}: ${(err as Error).message}` };
  }
  try {
    const o = JSON.parse(text) as Partial<UpdateInFlight>;
    for (const k of ['runId', 'service', 'from', 'to', 'backupDir'] as const) {
      if (typeof o[k] !== 'string' || o[k] === '') return { error: `${file}: ${k}: expected a non-empty string, got ${JSON.stringify(o[k])}` };
    }
    const rb = o.rollback as { reason?: unknown; at?: unknown } | undefined;
    const rollback = rb && typeof rb === 'object' ? { reason: typeof rb.reason === 'string' && rb.reason ? rb.reason : 'rollback', at: Number(rb.at) || 0 } : undefined;
    return { runId: o.runId!, service: o.service!, from: o.from!, to: o.to!, backupDir: o.backupDir!, startedAt: Number(o.startedAt) || 0, by: String(o.by ?? ''), ...(rollback ? { rollback } : {}) };
  } catch (err) {
    return { error: `${file}: not JSON: ${(err as Error).message}` };
  }
}

export async function clearInFlight(stateDir: string, service: string): Promise<void> {
  await fs.rm(inFlightFile(stateDir, service), { force: true });
}

/**
 * Marks the record: the rollback begins (files are about to be restored). Never throws: the rollback goes on when the
 * mark cannot be written (a full disk); the answer says so.
 */
export async function markRollingBack(stateDir: string, rec: UpdateInFlight, reason: string, now: number): Promise<string | undefined> {
  try {
    await writeInFlight(stateDir, { ...rec, rollback: { reason, at: now } });
    return undefined;
  } catch (err) {
    return `the rollback could not be recorded in ${inFlightFile(stateDir, rec.service)} (${(err as Error).message})`;
  }
}
