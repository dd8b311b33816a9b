// One drill at a time per daemon: two drills on one service kill each other's instances, count each other's faults as their own, and snapshot each other's broken files.
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileLock, type LockOwner } from '../platform/file-lock.js';
import { besideStateDir } from './drill-leftovers.js';

/**
 * Where the lock of a state directory's drills lives: beside the state directory (`<stateDir>.drill.lock`, its real
 * path), not in it, which the nuclear scenario moves aside mid-run, and not in $TMPDIR, which differs between shells
 * (sudo, tmux, macOS's per-user folders): two drills with different TMPDIRs both took "the" lock and ran at once.
 * Only when that directory is not writable (a state dir under /var/lib) is the lock in the temp dir, as before.
 */
export function drillLockPath(stateDir: string): string {
  const beside = besideStateDir(stateDir, '.drill.lock');
  if (beside) return beside;
  const id = createHash('sha256').update(realPathOf(path.resolve(stateDir))).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `clawback-drill-${id}.lock`);
}

/** The path with symlinks resolved (one daemon named two ways is one daemon), or as given while it does not exist. */
function realPathOf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Takes the lock (once, no wait), or says who holds it. A lock left by a killed drill is taken over (its pid is gone). */
export async function takeDrillLock(stateDir: string): Promise<{ lock: FileLock } | { heldBy: LockOwner | null }> {
  const lock = new FileLock(drillLockPath(stateDir));
  if (await lock.acquire()) return { lock };
  return { heldBy: await lock.owner() };
}

/**
 * Until the run begins (its signal handlers and `finally` take over), every way out releases the lock: a refusal
 * (process.exit), a crash, SIGINT/SIGTERM/SIGHUP. A lock left by a drill that never ran names a drill the next one takes
 * for killed mid-fault, whose holds and incidents since it would lift. Returns the uninstaller.
 */
export function releaseOnEarlyExit(lock: FileLock): () => void {
  const onExit = (): void => lock.releaseSync();
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  const handlers = Object.entries(codes).map(([sig, code]) => [sig, () => process.exit(code)] as const);
  process.on('exit', onExit);
  for (const [sig, h] of handlers) process.on(sig as NodeJS.Signals, h);
  return () => {
    process.off('exit', onExit);
    for (const [sig, h] of handlers) process.off(sig as NodeJS.Signals, h);
  };
}
