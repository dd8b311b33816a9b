// Whose is a lock file, and is that owner provably gone: pid, process start time, and when the lock was written.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hasProcFs, isAlive, processStartTime } from '../platform/proc.js';

export interface LockRecord {
  pid?: number;
  /** The owner's start time as the lock recorded it (Linux: clock ticks since boot, /proc/<pid>/stat field 22). */
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
  /** Wall-clock start (epoch ms), when it can be told. */
  startedAtMs?: number;
}

export type OwnerVerdict =
  | { gone: true; reason: string }
  | { gone: false; reason: string };

/** Slack between a lock's createdAt and its owner's start (clock-tick rounding, a lock written at start-up). */
const START_SLACK_MS = 2_000;

/**
 * Pure: is the owner provably gone? Only these prove it: the pid is not running; or it runs but its start
 * time differs from the recorded one (the pid was reused); or it started after the lock was written. Anything
 * else (no pid in the file, no way to tell) keeps the lock.
 */
export function judgeOwner(lock: LockRecord, live: LiveProcess): OwnerVerdict {
  if (lock.pid === undefined) return { gone: false, reason: 'the lock names no pid: its owner cannot be told' };
  if (!live.alive) return { gone: true, reason: `pid ${lock.pid} is not running` };
  if (lock.startTime !== undefined && live.startTime !== undefined) {
    return live.startTime === lock.startTime
      ? { gone: false, reason: `pid ${lock.pid} is alive and is the process that wrote the lock (start time ${lock.startTime})` }
      : { gone: true, reason: `pid ${lock.pid} was reused: the running process started at ${live.startTime}, the lock's owner at ${lock.startTime}` };
  }
  if (lock.createdAt !== undefined && live.startedAtMs !== undefined && live.startedAtMs > lock.createdAt + START_SLACK_MS) {
    return { gone: true, reason: `pid ${lock.pid} was reused: the running process started ${new Date(live.startedAtMs).toISOString()}, after the lock was written (${new Date(lock.createdAt).toISOString()})` };
  }
  return { gone: false, reason: `pid ${lock.pid} is alive and nothing shows it is not the lock's owner` };
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

/** The process now holding `pid`, read from /proc (ps elsewhere). */
export function liveProcess(pid: number): LiveProcess {
  if (!isAlive(pid)) return { alive: false };
  // Without /proc the start time is another unit (ps: epoch ms) than the gateway records: never compare them.
  if (!hasProcFs()) return { alive: true };
  const startTime = processStartTime(pid);
  const boot = bootTimeMs();
  const out: LiveProcess = { alive: true };
  if (startTime !== undefined) out.startTime = startTime;
  if (startTime !== undefined && boot !== undefined) out.startedAtMs = boot + (startTime / clockTicksPerSecond()) * 1000;
  return out;
}
