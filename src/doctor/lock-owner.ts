// Whose is a lock file, and is that owner provably gone: pid, process start time, and when the lock was written.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hasProcFs, isAlive, listedPids, processStartTime } from '../platform/proc.js';
import { parseLstartUtc, readLstartText } from '../platform/ps-lstart.js';

export interface LockRecord {
  pid?: number;
  /**
   * The owner's start time as the lock recorded it: Linux, clock ticks since boot (/proc/<pid>/stat field 22); macOS
   * (gateways with getFileLockProcessStartTime), epoch seconds of `ps -o lstart=` read in the C locale and UTC.
   */
  startTime?: number;
  /** When the lock was written (epoch ms): the JSON's createdAt, else the file's mtime. */
  createdAt?: number;
}

/** Reads the formats lock files use: the gateway's JSON ({pid, createdAt, startTime, ...}) or a bare pid. */
export function parseLock(text: string, mtimeMs?: number): LockRecord {
  const trimmed = text.trim();
  const out: LockRecord = {};
  if (trimmed.startsWith('{')) {
    try {
      const j = JSON.parse(trimmed) as Record<string, unknown>;
      if (typeof j.pid === 'number' && Number.isSafeInteger(j.pid) && j.pid > 0) out.pid = j.pid;
      if (typeof j.startTime === 'number' && Number.isFinite(j.startTime)) out.startTime = j.startTime;
      const created = typeof j.createdAt === 'string' ? Date.parse(j.createdAt) : typeof j.createdAt === 'number' ? j.createdAt : NaN;
      if (Number.isFinite(created)) out.createdAt = created;
    } catch {
      /* not JSON after all: fall through to the bare pid */
    }
  }
  if (out.pid === undefined) {
    const m = /^\s*(\d+)\s*$/m.exec(trimmed);
    if (m) {
      const pid = Number(m[1]);
      if (Number.isSafeInteger(pid) && pid > 0) out.pid = pid;
    }
  }
  if (out.createdAt === undefined && mtimeMs !== undefined) out.createdAt = mtimeMs;
  return out;
}

/** What is known of the live process now holding a pid. */
export interface LiveProcess {
  alive: boolean;
  /** Same unit as LockRecord.startTime. */
  startTime?: number;
  /** 'epoch-s' where startTime came from `ps` (macOS): a lock's value is compared only if it reads as epoch seconds. */
  startTimeUnit?: 'ticks' | 'epoch-s';
  /** Wall-clock start (epoch ms), when it can be told: for messages only (it moves with every step of the wall clock). */
  startedAtMs?: number;
  /** Start on the boot clock (ms since boot, Clock.sinceBoot's scale), when it can be told: steps do not move it. */
  startedAtBootMs?: number;
}

/**
 * One moment read on both the wall and the boot clock (the daemon's start), and the clocks now: a lock's wall-clock
 * time is placed on the boot clock through it, which only holds while the wall clock was not stepped since.
 */
export interface LockClocks {
  anchor: { wall: number; boot: number };
  /** Clock.now() and Clock.sinceBoot() now. */
  wall: number;
  boot: number;
}

/** A step of the wall clock smaller than this is slewing and reading jitter, not a step. */
const STEP_TOLERANCE_MS = 1_000;

export type OwnerVerdict =
  | { gone: true; reason: string }
  | { gone: false; reason: string };

/** Slack between a lock's createdAt and its owner's start (clock-tick rounding, a lock written at start-up). */
const START_SLACK_MS = 2_000;

/**
 * Pure: is the owner provably gone? Only these prove it: the pid is not running; or it runs but its start
 * time differs from the recorded one (the pid was reused); or it started after the lock was written, on the boot
 * clock (see LockClocks). Anything else (no pid in the file, no way to tell) keeps the lock.
 *
 * The lock's time is a wall-clock reading; compared with the owner's wall-clock start as read now (boot time plus its
 * age), a step forward since the lock was written (NTP syncing a board without an RTC) made every live owner look
 * started after its own lock, and the lock was removed from under it. So the lock's time is placed on the boot clock
 * through the anchor, and only while the wall clock was not stepped since the anchor: a lock older than the anchor
 * was written before it, anything else cannot be told.
 */
export function judgeOwner(lock: LockRecord, live: LiveProcess, clocks?: LockClocks): OwnerVerdict {
  if (lock.pid === undefined) return { gone: false, reason: 'the lock names no pid: its owner cannot be told' };
  if (!live.alive) return { gone: true, reason: `pid ${lock.pid} is not running` };
  if (lock.startTime !== undefined && live.startTime !== undefined && comparable(lock.startTime, live)) {
    return live.startTime === lock.startTime
      ? { gone: false, reason: `pid ${lock.pid} is alive and is the process that wrote the lock (start time ${lock.startTime})` }
      : { gone: true, reason: `pid ${lock.pid} was reused: the running process started at ${live.startTime}, the lock's owner at ${lock.startTime}` };
  }
  if (lock.createdAt !== undefined && live.startedAtBootMs !== undefined && clocks) {
    const offset = clocks.wall - clocks.boot;
    const anchorOffset = clocks.anchor.wall - clocks.anchor.boot;
    if (Math.abs(offset - anchorOffset) >= STEP_TOLERANCE_MS) {
      return { gone: false, reason: `pid ${lock.pid} is alive, and the wall clock was stepped (${Math.round((offset - anchorOffset) / 1000)} s) since: when the lock was written cannot be told` };
    }
    const writtenByBoot = Math.max(lock.createdAt - offset, clocks.anchor.boot);
    if (live.startedAtBootMs > writtenByBoot + START_SLACK_MS) {
      const started = live.startedAtMs !== undefined ? new Date(live.startedAtMs).toISOString() : `${Math.round(live.startedAtBootMs / 1000)} s after boot`;
      return { gone: true, reason: `pid ${lock.pid} was reused: the running process started ${started}, after the lock was written (${new Date(lock.createdAt).toISOString()})` };
    }
  }
  return { gone: false, reason: `pid ${lock.pid} is alive and nothing shows it is not the lock's owner` };
}

/** Epoch seconds from 2001 to 2286: a macOS gateway's value; milliseconds, microseconds or ticks are not. */
const EPOCH_S_MIN = 1e9;
const EPOCH_S_MAX = 1e10;

/**
 * Whether the lock's start time is in the unit the live reading has. A value in another unit (an older or newer
 * gateway, another platform's lock) would never equal the live one and make a live owner look reused: not compared.
 */
function comparable(recorded: number, live: LiveProcess): boolean {
  if (live.startTimeUnit !== 'epoch-s') return true;
  return Number.isInteger(recorded) && recorded >= EPOCH_S_MIN && recorded < EPOCH_S_MAX;
}

function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2_000 }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

function bootTimeMs(): number | undefined {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    return m ? Number(m[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** What liveProcess reads, injectable so the macOS path can be judged where it cannot run. */
export interface LiveProbe {
  platform: NodeJS.Platform;
  hasProc: boolean;
  isAlive: (pid: number) => boolean;
  /** `ps -o lstart= -p <pid>` printed in the C locale and UTC. */
  lstart: (pid: number) => string | undefined;
}

const HOST_PROBE: LiveProbe = { platform: process.platform, hasProc: hasProcFs(), isAlive, lstart: readLstartText };

/**
 * The process now holding `pid`, read from /proc; on macOS from `ps` in the unit and clock the gateway writes there
 * (epoch seconds of lstart read in UTC); elsewhere only whether it runs.
 */
export function liveProcess(pid: number, probe: LiveProbe = HOST_PROBE): LiveProcess {
  if (!probe.isAlive(pid)) return { alive: false };
  if (!probe.hasProc) {
    if (probe.platform !== 'darwin') return { alive: true };
    const text = probe.lstart(pid);
    const ms = text === undefined ? undefined : parseLstartUtc(text);
    return ms === undefined ? { alive: true } : { alive: true, startTime: Math.floor(ms / 1000), startTimeUnit: 'epoch-s', startedAtMs: ms };
  }
  const startTime = processStartTime(pid);
  const boot = bootTimeMs();
  const out: LiveProcess = { alive: true };
  if (startTime !== undefined) out.startTime = startTime;
  if (startTime !== undefined) out.startedAtBootMs = (startTime / clockTicksPerSecond()) * 1000;
  if (startTime !== undefined && boot !== undefined) out.startedAtMs = boot + out.startedAtBootMs!;
  return out;
}

/**
 * A live process of a pid namespace nested in ours (a container sharing the lock's directory) that is `pid` there (with
 * startTime, when the file recorded one): its pid here, else undefined. Its file names the container's pid, which here
 * is nobody or someone else, so neither "not running" nor "reused" proves it gone.
 */
export function ownerInNestedPidNamespace(pid: number, startTime?: number): number | undefined {
  if (!hasProcFs()) return undefined;
  for (const here of listedPids()) {
    let status: string;
    try {
      status = readFileSync(`/proc/${here}/status`, 'utf8');
    } catch {
      continue;
    }
    // "NSpid: 15784 1": its pid here first, then in each nested namespace it is a member of.
    const ids = /^NSpid:\s+(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/).map(Number) ?? [];
    if (!ids.slice(1).includes(pid)) continue;
    if (startTime !== undefined && processStartTime(here) !== startTime) continue;
    return here;
  }
  return undefined;
}
