// Which live daemon supervises a config file, kept outside every state directory: after the file's stateDir changed, the
// CLI looked for the daemon in the new directory ("not running") and `run` started a second daemon on the same services.
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../platform/clock.js';
import { FileLock, isLockAbandoned } from '../platform/file-lock.js';
import { ensurePrivateDir } from '../platform/private-dir.js';
import { writeFileAtomic } from '../platform/atomic-write.js';
import { isAlive, processStartTime } from '../platform/proc.js';
import { pidMayBeRecordedDaemon, realOrSame, recordedDaemonLives } from './daemon-identity.js';
import { readRegularFileSync } from '../platform/read-regular.js';

export interface ConfigClaim {
  pid: number;
  stateDir: string;
}

/** Two FNV-1a 32-bit hashes of a path (no node:crypto: `clawback status` is bundled without it); the .json names the path. */
export function pathHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c ^ (i & 0xff), 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** `<tmp>/clawback-<uid>/config-claims`: where every daemon of this user claims its config file. */
export function defaultClaimDir(): string {
  return path.join(os.tmpdir(), `clawback-${process.getuid?.() ?? 'user'}`, 'config-claims');
}

/** `<tmp>/clawback-<uid>/config-claims/<hash of the config file's real path>` (+ .lock, .json). */
export function claimBase(configFile: string, dir = defaultClaimDir()): string {
  return path.join(dir, pathHash(realOrSame(configFile)));
}

/** How long a claim held by no live daemon of its config (another start sweeping it) is asked for again. */
export const CLAIM_RETRY_MS = 3_000;

/** At most this many claims are looked at per sweep (one sweep per daemon start). */
const SWEEP_MAX = 1000;

/**
 * Removes the claims of daemons that are provably gone: the lock names a pid that is not alive, or alive with another
 * start time (reused), or, with no start time recorded, a live process that is no daemon of the claim (the rule of
 * recordedDaemonLives: its command line runs no `run`, or it started after the claim was taken). A daemon killed with -9 never released its claim, so one pair per config file it ran piled up
 * for ever (316 pairs seen). A claim whose lock cannot be read, or whose daemon may be alive, is left. The lock is
 * taken over through FileLock (its own stale protocol, safe against a daemon taking the same claim now), the .json
 * removed, then the lock released. Returns how many claims were removed.
 */
export async function sweepDeadConfigClaims(
  clock: Clock,
  dir = defaultClaimDir(),
  deps: { isAlive?: (pid: number) => boolean; startTimeOf?: (pid: number) => number | null | undefined; mayBeOwner?: (pid: number, acquiredAt: number) => boolean } = {},
): Promise<number> {
  const alive = deps.isAlive ?? isAlive;
  const startTimeOf = deps.startTimeOf ?? processStartTime;
  const mayBeOwner = deps.mayBeOwner ?? pidMayBeRecordedDaemon;
  let removed = 0;
  if (!trustedClaimDir(dir)) return 0;
  const locks = readdirSync(dir).filter((n) => /^[0-9a-f]{16}\.lock$/.test(n)).slice(0, SWEEP_MAX);
  for (const name of locks) {
    const file = path.join(dir, name);
    const lock = new FileLock(file, { clock, isAlive: alive, startTimeOf, mayBeOwner });
    const owner = await lock.owner();
    if (!owner || owner.pid === process.pid) continue;
    if (!isLockAbandoned(owner, { wallMs: 0, watchedMs: 0 }, { isAlive: alive, startTimeOf, unreadableStaleMs: Infinity, mayBeOwner })) continue;
    if (!(await lock.acquire())) continue;
    try {
      rmSync(`${file.slice(0, -'.lock'.length)}.json`, { force: true });
      removed++;
    } finally {
      await lock.release();
    }
  }
  return removed;
}

/**
 * The claims live under the shared temp dir: they are believed only where no other user could have put them, i.e. the
 * claims dir and its parent are real directories (no symlink) of this user that no one else may write to. Another
 * user's planted claim would otherwise refuse our `run` or send the CLI to a daemon of theirs.
 */
function trustedClaimDir(dir: string, uid: number | undefined = process.getuid?.()): boolean {
  return claimDirProblem(dir, uid) === undefined;
}

/** Why the claims dir (or any private dir under the shared temp dir) is not trusted (undefined: it is), for the daemon's warning. */
export function claimDirProblem(dir: string, uid: number | undefined = process.getuid?.()): string | undefined {
  if (uid === undefined) return undefined;
  for (const d of [path.dirname(dir), dir]) {
    const st = lstatSync(d, { throwIfNoEntry: false });
    if (!st) return `${d} is missing`;
    if (!st.isDirectory()) return `${d} is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'}`;
    if (st.uid !== uid) return `${d} belongs to uid ${st.uid}, not ${uid}`;
    if ((st.mode & 0o022) !== 0) return `${d} is writable by other users (mode ${(st.mode & 0o777).toString(8)})`;
  }
  return undefined;
}

/** The warning for a claim that could not be taken: the path, why, what a second daemon can now do, what to do. */
function unavailable(dir: string, why: string): { kind: 'unavailable'; problem: string } {
  return {
    kind: 'unavailable',
    problem:
      `the config claims dir ${dir} cannot be used (${why}): a second daemon started on the same config with another state dir ` +
      `is not refused and would run its services twice; move aside what is there (or give it to this user, mode 0700) and restart the daemon`,
  };
}

/**
 * The live daemon that claimed this config file (recordedDaemonLives, the rule of the guardian, `run` and the doctor: its
 * pid checked against the lock's start time, or with none recorded, a process that may be that daemon); undefined: none.
 */
export function readConfigClaim(configFile: string, dir?: string): ConfigClaim | undefined {
  const base = claimBase(configFile, dir);
  try {
    if (!trustedClaimDir(path.dirname(base))) return undefined;
    // Never a plain read (a FIFO there would hold the daemon's start for good).
    const lock = JSON.parse(readRegularFileSync(`${base}.lock`).toString('utf8')) as { pid?: unknown; startTime?: unknown; acquiredAt?: unknown };
    const info = JSON.parse(readRegularFileSync(`${base}.json`).toString('utf8')) as { pid?: unknown; stateDir?: unknown; configFile?: unknown };
    if (info.configFile !== realOrSame(configFile)) return undefined;
    if (typeof lock.pid !== 'number' || lock.pid !== info.pid || typeof info.stateDir !== 'string') return undefined;
    const startTime = typeof lock.startTime === 'number' ? lock.startTime : null;
    if (!recordedDaemonLives(lock.pid, startTime, typeof lock.acquiredAt === 'number' ? lock.acquiredAt : 0)) return undefined;
    return { pid: lock.pid, stateDir: info.stateDir };
  } catch {
    return undefined;
  }
}

/** unavailable: `problem` is the warning to say (none when there was no config file to claim). */
export type ClaimResult = { kind: 'held'; release(): Promise<void> } | { kind: 'busy'; claim: ConfigClaim | undefined } | { kind: 'unavailable'; problem?: string };

/** Claims the config file for this daemon (serving stateDir); busy when another live daemon holds it. */
export async function takeConfigClaim(configFile: string, stateDir: string, clock: Clock, dir?: string): Promise<ClaimResult> {
  const base = claimBase(configFile, dir);
  try {
    ensurePrivateDir(path.dirname(base));
    const problem = claimDirProblem(path.dirname(base));
    if (problem !== undefined) return unavailable(path.dirname(base), problem);
    const lock = new FileLock(`${base}.lock`, { clock, mayBeOwner: pidMayBeRecordedDaemon });
    if (!(await lock.acquire())) {
      // Held by this very process (a daemon rebuilt in the same process), as the state directory's lock allows.
      if ((await lock.owner())?.pid === process.pid) {
        rmSync(`${base}.lock`, { force: true });
        if (!(await lock.acquire())) return { kind: 'busy', claim: readConfigClaim(configFile, dir) };
      } else {
        // Held by no live daemon of this config: another daemon's start sweeping this dead claim (it holds the lock for a
        // moment, sweepDeadConfigClaims), or one starting on it that has not written its .json yet. Asked again for a
        // short while: the sweep's moment refused a daemon whose predecessor was killed (seen in CI: "already
        // supervises", no pid named).
        const claim = readConfigClaim(configFile, dir);
        if (claim || !(await lock.acquire({ timeoutMs: CLAIM_RETRY_MS }))) return { kind: 'busy', claim: claim ?? readConfigClaim(configFile, dir) };
      }
    }
    await writeFileAtomic(`${base}.json`, `${JSON.stringify({ pid: process.pid, stateDir: realOrSame(stateDir), configFile: realOrSame(configFile) })}\n`);
    // Best effort: the claims of daemons killed with -9 (never released) would pile up here for ever.
    await sweepDeadConfigClaims(clock, path.dirname(base)).catch(() => 0);
    return {
      kind: 'held',
      release: async () => {
        await lock.release();
        rmSync(`${base}.json`, { force: true });
      },
    };
  } catch (err) {
    // A temp dir that cannot be written: the state directory's own lock still guards its own daemon; said once at start.
    return unavailable(path.dirname(base), (err as Error).message);
  }
}
