// One repairing doctor per service across processes: the daemon's Level 2 and a person's `clawback doctor --fix` ran the
// service's own doctor on one config at once, and each guard rolled back over the other's repair.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../platform/clock.js';
import { FileLock, type LockOwner } from '../platform/file-lock.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

export function repairLockPath(stateDir: string, service: string): string {
  return path.join(stateDir, 'locks', `doctor-${service}.lock`);
}

/** The mark every file of the config's repair lock carries in its name (the lock, its drafts, its takeover). */
export const CONFIG_REPAIR_LOCK_MARK = '.clawback-repair';

/**
 * The repair lock beside the config file itself (its real path, so two symlinks to one file share it): two Clawbacks
 * with different state dirs (a person's `clawback doctor --fix` with its own clawback.yaml, a second daemon) repairing
 * one openclaw.json each held only their own state dir's lock and ran their repairs on it at once.
 */
export async function configRepairLockPath(configPath: string): Promise<string> {
  const real = await fs.realpath(configPath).catch(() => path.resolve(configPath));
  return path.join(path.dirname(real), `.${path.basename(real)}${CONFIG_REPAIR_LOCK_MARK}`);
}

export type RepairLockOutcome =
  | { ok: true; release(): Promise<void> }
  | { ok: false; owner: LockOwner | null };

type LockTry = { state: 'held'; lock: FileLock } | { state: 'busy'; owner: LockOwner | null } | { state: 'unwritable' };

/** One lock, waiting until the deadline (monotonic); a lock that cannot be written at all is reported, never thrown. */
async function takeOne(file: string, deadline: number, opts: { clock: Clock; signal?: AbortSignal; onWait?: (owner: LockOwner | null) => void; mkdir: boolean }): Promise<LockTry> {
  const lock = new FileLock(file, { clock: opts.clock, pollMs: 250 });
  try {
    if (opts.mkdir) await mkdirRecursive(path.dirname(file), 0o700);
    if (await lock.acquire()) return { state: 'held', lock };
    opts.onWait?.(await lock.owner());
    const timeoutMs = Math.max(0, deadline - opts.clock.monotonic());
    if (await lock.acquire({ timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) })) return { state: 'held', lock };
    return { state: 'busy', owner: await lock.owner() };
  } catch {
    return { state: 'unwritable' };
  }
}

/**
 * Takes the service's repair lock, then (given configPath) the config's own (configRepairLockPath), waiting up to waitMs
 * in all for other runs to end (onWait is told once who holds it). Always in that order, so no two runs wait on each
 * other. A lock that cannot be written at all (a full disk, a read-only state dir or config dir, a config dir not there
 * yet) does not block a repair: the repair may be the cure.
 */
export async function takeRepairLock(
  stateDir: string,
  service: string,
  opts: { clock: Clock; waitMs: number; signal?: AbortSignal; onWait?: (owner: LockOwner | null) => void; configPath?: string },
): Promise<RepairLockOutcome> {
  const deadline = opts.clock.monotonic() + opts.waitMs;
  let told = false;
  const onWait = (owner: LockOwner | null): void => {
    if (told) return;
    told = true;
    opts.onWait?.(owner);
  };
  const common = { clock: opts.clock, onWait, ...(opts.signal ? { signal: opts.signal } : {}) };
  const held: FileLock[] = [];
  const releaseAll = async (): Promise<void> => {
    for (const lock of held.reverse()) await lock.release().catch(() => undefined);
    held.length = 0;
  };
  const files = [{ file: repairLockPath(stateDir, service), mkdir: true }];
  if (opts.configPath !== undefined) files.push({ file: await configRepairLockPath(opts.configPath), mkdir: false });
  for (const { file, mkdir } of files) {
    const got = await takeOne(file, deadline, { ...common, mkdir });
    if (got.state === 'held') held.push(got.lock);
    else if (got.state === 'busy') {
      await releaseAll();
      return { ok: false, owner: got.owner };
    }
  }
  return { ok: true, release: releaseAll };
}
