// One Level 3 session per service and one per incident, held across daemon restarts (a dead owner's lock is taken over).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../platform/clock.js';
import { FileLock } from '../platform/file-lock.js';
import { writeFileAtomic } from '../platform/atomic-write.js';
import { errorWithContext } from '../platform/error-context.js';
import { endAgentLeftovers } from './agent-leftovers.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

export interface HeldLocks {
  release(): Promise<void>;
}

export type LockOutcome = { ok: true; locks: HeldLocks } | { ok: false; reason: string };

export function serviceLockPath(stateDir: string, service: string): string {
  return path.join(stateDir, 'locks', `emergency-${service}.lock`);
}

/**
 * A lock the disk refuses (full, read-only) is thrown naming the lock file and what it costs: no Level 3 session for the
 * service until the disk takes it (`the agent could not run: …`, not a bare "ENOSPC: no space left on device, write").
 */
export async function acquireEmergencyLocks(stateDir: string, service: string, incidentDir: string, clock: Clock): Promise<LockOutcome> {
  try {
    return await acquireLocks(stateDir, service, incidentDir, clock);
  } catch (err) {
    throw errorWithContext(`the Level 3 lock for service ${service} could not be taken, so no agent runs for it until its state dir (${stateDir}) takes writes again`, err);
  }
}

async function acquireLocks(stateDir: string, service: string, incidentDir: string, clock: Clock): Promise<LockOutcome> {
  await mkdirRecursive(path.join(stateDir, 'locks'), 0o700);
  const serviceLock = new FileLock(serviceLockPath(stateDir, service), { clock });
  if (!(await serviceLock.acquire())) {
    const owner = await serviceLock.owner();
    return { ok: false, reason: `another Level 3 session is running for service ${service}${owner ? ` (pid ${owner.pid})` : ''}` };
  }
  const incidentLock = new FileLock(path.join(incidentDir, 'agent.lock'), { clock });
  // Let go of the service's lock on a refusal too (a full disk): held by this live daemon, it refused every later run.
  const incidentTaken = await incidentLock.acquire().catch(async (err: unknown) => {
    await serviceLock.release().catch(() => undefined);
    throw err;
  });
  if (!incidentTaken) {
    await serviceLock.release();
    return { ok: false, reason: 'a Level 3 session is already running for this incident' };
  }
  return {
    ok: true,
    locks: {
      async release() {
        await incidentLock.release();
        await serviceLock.release();
      },
    },
  };
}

/** <stateDir>/locks/emergency-<service>.run: the incident dir of the service's latest Level 3 run (its processes' mark). */
export function serviceRunPath(stateDir: string, service: string): string {
  return path.join(stateDir, 'locks', `emergency-${service}.run`);
}

/**
 * Called with the service's lock held, before a new run: ends what the service's previous run still has running and
 * records this run as the latest. With the lock held no daemon is running that one, so anything left is an orphan: a
 * daemon killed mid-run whose state.json was then lost never judged it, and its agent went on beside the next one.
 * Returns the pids ended and the previous run's incident dir when it was never judged (its verdict clears the mark).
 */
export async function takeOverServiceRun(stateDir: string, service: string, incidentDir: string, clock: Clock): Promise<{ ended: number[]; unjudged?: string }> {
  const file = serviceRunPath(stateDir, service);
  const previous = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
  const orphan = previous && previous !== path.resolve(incidentDir) ? previous : undefined;
  const ended = orphan ? await endAgentLeftovers(orphan, clock) : [];
  // Best effort (a full disk): the run goes ahead; only a later orphan of it would go unfound.
  await writeFileAtomic(file, `${path.resolve(incidentDir)}\n`, { mode: 0o600 }).catch(() => undefined);
  return { ended, ...(orphan ? { unjudged: orphan } : {}) };
}

/** After a run's verdict: the service's run mark no longer names an unjudged run (unlinking needs no free space). */
export async function clearServiceRun(stateDir: string, service: string, incidentDir: string): Promise<void> {
  const file = serviceRunPath(stateDir, service);
  const current = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
  if (current === path.resolve(incidentDir)) await fs.unlink(file).catch(() => undefined);
}
