// One agent run at a time over a directory tree: runs whose working directories are the same, or one inside the other, take turns.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../platform/clock.js';
import { FileLock, type LockOwner } from '../platform/file-lock.js';
import { isWithin } from '../platform/path-inside.js';
import { endAgentLeftovers } from './agent-leftovers.js';

/** <stateDir>/locks/emergency-dir-<16 hex of the directory's real path>.lock: one agent run at a time in a directory. */
export async function workdirLockPath(stateDir: string, dir: string): Promise<string> {
  return lockPathOf(stateDir, await realDir(dir));
}

/**
 * Refused: who holds it and, where its run said so, when that run's own time box ends (epoch ms). Taken: `ended`, the
 * pids of a dead holder's agent run still at work in the directory, ended before the lock was taken.
 */
export type WorkdirLockOutcome = { ok: true; release(): Promise<void>; ended?: number[] } | { ok: false; owner: LockOwner | null; until?: number };

const LOCK_NAME = /^emergency-dir-[0-9a-f]{16}\.lock$/;
/**
 * Beside each held directory lock: `<lock>.dir`, the real path it covers, so a run in a nested directory sees it, and on
 * a second line the epoch ms its run's time box ends by (a waiting run is tried again until then, not a fixed few times),
 * and on a third the run's mark (its incident dir, AGENT_RUN_ENV): a holder that died mid-run (kill -9) left its agent at
 * work in the directory, and the run taking the lock over ends that agent first.
 */
const DIR_SUFFIX = '.dir';
/** Held only while a run checks the held locks and takes its own: milliseconds. */
const REGISTRY = 'emergency-dirs.lock';
const REGISTRY_WAIT_MS = 10_000;
const POLL_MS = 250;

/**
 * Services whose working directories are the same or nest (`/srv/app` and `/srv/app/worker`) share what a run
 * snapshots and reverts: a failed run of one would put back (or remove) the fix another service's agent made there
 * meanwhile. So such runs take turns, waiting up to waitMs (onWait told once who holds it). A lock that cannot be
 * written (a full disk) does not block the run. `until`: when this run's time box ends (epoch ms), told to a run refused.
 */
export async function takeWorkdirLock(
  stateDir: string,
  dir: string,
  opts: { clock: Clock; waitMs: number; until?: number; /** This run's incident dir (its processes' mark). */ run?: string; signal?: AbortSignal; onWait?: (owner: LockOwner | null) => void },
): Promise<WorkdirLockOutcome> {
  const { clock, signal } = opts;
  const deadline = clock.monotonic() + Math.max(0, opts.waitMs);
  let told = false;
  try {
    const real = await realDir(dir);
    for (;;) {
      const taken = await tryTake(stateDir, real, clock, opts.until, opts.run);
      if (taken.ok) return taken;
      if (!told) {
        told = true;
        opts.onWait?.(taken.owner);
      }
      const left = deadline - clock.monotonic();
      if (left <= 0 || signal?.aborted) return taken;
      try {
        await clock.sleep(Math.min(POLL_MS, left), signal);
      } catch {
        return taken;
      }
    }
  } catch {
    return { ok: true, release: async () => undefined };
  }
}

/** One try, under the registry lock: refused while a live run holds this directory, one above it or one inside it. */
async function tryTake(stateDir: string, real: string, clock: Clock, until: number | undefined, run: string | undefined): Promise<WorkdirLockOutcome> {
  const locksDir = path.join(stateDir, 'locks');
  const registry = new FileLock(path.join(locksDir, REGISTRY), { clock, pollMs: 50 });
  if (!(await registry.acquire({ timeoutMs: REGISTRY_WAIT_MS }))) return { ok: false, owner: await registry.owner() };
  try {
    const own = lockPathOf(stateDir, real);
    const ended: number[] = [];
    for (const name of await fs.readdir(locksDir)) {
      const file = path.join(locksDir, name);
      if (!LOCK_NAME.test(name)) continue;
      const note = await readNote(file);
      if (!note || !overlaps(real, note.dir)) continue;
      const probe = new FileLock(file, { clock });
      // Free (its owner died): taken over and let go at once, with its stale note, once its agent (if it outlived its
      // daemon) is ended: it would go on editing the files this run snapshots and may put back.
      if (!(await probe.acquire())) return refused(await probe.owner(), note.until);
      try {
        // Only a run of this state dir is ended (a note is a file in it, not proof of whose run it names).
        if (note.run !== undefined && path.dirname(note.run) === path.resolve(stateDir, 'incidents')) ended.push(...(await endAgentLeftovers(note.run, clock)));
        await fs.rm(file + DIR_SUFFIX, { force: true });
      } finally {
        await probe.release();
      }
    }
    const lock = new FileLock(own, { clock });
    if (!(await lock.acquire())) return refused(await lock.owner(), (await readNote(own))?.until);
    // Best effort (a full disk): without the note only runs in nested directories miss this one.
    const ends = until !== undefined && Number.isFinite(until) ? `${Math.round(until)}` : '';
    const mark = run !== undefined && !run.includes('\n') ? `${ends}\n${run}\n` : ends ? `${ends}\n` : '';
    await fs.writeFile(own + DIR_SUFFIX, `${real}\n${mark}`, { mode: 0o600 }).catch(() => undefined);
    return { ok: true, release: () => release(lock), ...(ended.length > 0 ? { ended } : {}) };
  } finally {
    await registry.release();
  }
}

function refused(owner: LockOwner | null, until: number | undefined): WorkdirLockOutcome {
  return until !== undefined ? { ok: false, owner, until } : { ok: false, owner };
}

/** A held lock's note: the directory it covers and, if its run said, when that run's time box ends (epoch ms). */
async function readNote(lockFile: string): Promise<{ dir: string; until?: number; run?: string } | undefined> {
  const [dir = '', ends = '', run = ''] = (await fs.readFile(lockFile + DIR_SUFFIX, 'utf8').catch(() => '')).split('\n');
  if (!dir.trim()) return undefined;
  const until = /^\d{1,15}$/.test(ends.trim()) ? Number(ends.trim()) : undefined;
  // Only an absolute path is a run's mark (an incident dir); anything else ends nothing.
  const mark = path.isAbsolute(run.trim()) ? run.trim() : undefined;
  return { dir: dir.trim(), ...(until !== undefined ? { until } : {}), ...(mark !== undefined ? { run: mark } : {}) };
}

/** Lets the directory go, its note first: while the lock is held no other run can have written that note. */
async function release(lock: FileLock): Promise<void> {
  await fs.rm(lock.path + DIR_SUFFIX, { force: true }).catch(() => undefined);
  await lock.release().catch(() => undefined);
}

/** The same directory, or one inside the other. */
export function overlaps(a: string, b: string): boolean {
  return isWithin(b, a) || isWithin(a, b);
}

function lockPathOf(stateDir: string, real: string): string {
  return path.join(stateDir, 'locks', `emergency-dir-${createHash('sha256').update(real).digest('hex').slice(0, 16)}.lock`);
}

async function realDir(dir: string): Promise<string> {
  return fs.realpath(dir).catch(() => path.resolve(dir));
}
