// One Level 3 session per service and one per incident, held across daemon restarts (a dead owner's lock is taken over).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../platform/clock.js';
import { FileLock } from '../platform/file-lock.js';

export interface HeldLocks {
  release(): Promise<void>;
}

export type LockOutcome = { ok: true; locks: HeldLocks } | { ok: false; reason: string };

export function serviceLockPath(stateDir: string, service: string): string {
  return path.join(stateDir, 'locks', `emergency-${service}.lock`);
}

export async function acquireEmergencyLocks(stateDir: string, service: string, incidentDir: string, clock: Clock): Promise<LockOutcome> {
  await fs.mkdir(path.join(stateDir, 'locks'), { recursive: true, mode: 0o700 });
  const serviceLock = new FileLock(serviceLockPath(stateDir, service), { clock });
  if (!(await serviceLock.acquire())) {
    const owner = await serviceLock.owner();
    return { ok: false, reason: `another Level 3 session is running for service ${service}${owner ? ` (pid ${owner.pid})` : ''}` };
  }
  const incidentLock = new FileLock(path.join(incidentDir, 'agent.lock'), { clock });
  if (!(await incidentLock.acquire())) {
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
