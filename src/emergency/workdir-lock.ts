// One agent run at a time over a directory tree: runs whose working directories are the same, or one inside the other, take turns.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimDirProblem } from '../daemon/config-claim.js';
import type { Clock } from '../platform/clock.js';
import { writeFileAtomic } from '../platform/atomic-write.js';
import { FileLock, type LockOwner } from '../platform/file-lock.js';
import { isWithin } from '../platform/path-inside.js';
import { ensurePrivateDir } from '../platform/private-dir.js';
import { endAgentLeftovers } from './agent-leftovers.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

/** <locks>/emergency-dir-<16 hex of the directory's real path>.lock (locksDirOf): one agent run at a time in a directory. */
export async function workdirLockPath(stateDir: string, dir: string): Promise<string> {
  return lockPathOf(locksDirOf(stateDir).dir, await realDir(dir));
}

/**
 * `<tmp>/clawback-<uid>/agent-dirs`, beside the config claims: every daemon of this user sees the same folder locks,
 * whatever its state dir (two daemons whose services share a folder take turns too). Where that dir is not this user's
 * private dir (another user made it, it is open to others), `<stateDir>/locks`, with why (`notShared`): then only this
 * daemon's runs take turns, which the run says.
 */
export function locksDirOf(stateDir: string): { dir: string; notShared?: string } {
  const shared = path.join(os.tmpdir(), `clawback-${process.getuid?.() ?? 'user'}`, 'agent-dirs');
  let problem: string | undefined;
  try {
    ensurePrivateDir(path.dirname(shared));
    ensurePrivateDir(shared);
    problem = claimDirProblem(shared);
    if (problem === undefined) return { dir: shared };
  } catch (err) {
    // a full or read-only temp dir: the state dir's own locks
    problem = `${shared} could not be made (${err instanceof Error ? err.message : String(err)})`;
  }
  return { dir: path.join(stateDir, 'locks'), notShared: problem };
}

/**
 * Refused: who holds it and, where its run said so, when that run's own time box ends (epoch ms). Taken: `ended`, the
 * pids of a dead holder's agent run still at work in the directory, ended before the lock was taken.
 */
export type WorkdirLockOutcome = { ok: true; release(): Promise<void>; ended?: number[]; /** Why the locks are this state dir's only (locksDirOf). */ notShared?: string } | { ok: false; owner: LockOwner | null; until?: number };

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
  const { dir: locksDir, notShared } = locksDirOf(stateDir);
  await mkdirRecursive(locksDir, 0o700);
  const registry = new FileLock(path.join(locksDir, REGISTRY), { clock, pollMs: 50 });
  if (!(await registry.acquire({ timeoutMs: REGISTRY_WAIT_MS }))) return { ok: false, owner: await registry.owner() };
  try {
    const own = lockPathOf(locksDir, real);
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
        // Only a run's incident dir (`<a state dir>/incidents/<id>`) is ended: its holder is dead (the lock was free), so
        // its agent, this daemon's or another's of this user (the notes live in this user's private dir), works unowned.
        if (note.run !== undefined && path.basename(path.dirname(note.run)) === 'incidents') ended.push(...(await endAgentLeftovers(note.run, clock)));
        await fs.rm(file + DIR_SUFFIX, { force: true });
      } finally {
        await probe.release();
      }
    }
    const lock = new FileLock(own, { clock });
    if (!(await lock.acquire())) return refused(await lock.owner(), (await readNote(own))?.until);
    // Best effort (a full disk): without the note only runs in nested directories miss this one. Written whole or not at
    // all: a half note (a crash or a full disk mid-write) named a cut directory (`/srv`, which holds every service's
    // cwd) or a cut end time to the runs that read it.
    const ends = until !== undefined && Number.isFinite(until) ? `${Math.round(until)}` : '';
    const mark = run !== undefined && !run.includes('\n') ? `${ends}\n${run}\n` : ends ? `${ends}\n` : '';
    await writeFileAtomic(own + DIR_SUFFIX, `${real}\n${mark}`, { mode: 0o600 }).catch(() => undefined);
    return { ok: true, release: () => release(lock), ...(ended.length > 0 ? { ended } : {}), ...(notShared !== undefined ? { notShared } : {}) };
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

function lockPathOf(locksDir: string, real: string): string {
  return path.join(locksDir, `emergency-dir-${createHash('sha256').update(real).digest('hex').slice(0, 16)}.lock`);
}

async function realDir(dir: string): Promise<string> {
  return fs.realpath(dir).catch(() => path.resolve(dir));
}
