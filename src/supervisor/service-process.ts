// One running instance of a service: spawned in its own session with output to a file, or adopted by pid.
import { spawn } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import type { Clock, TimerHandle } from '../platform/clock.js';
import { isAlive, isSameProcess, processGroupHolding, processGroupMembers, processStartTime, sameProcess, startTimeEpochMs } from '../platform/proc.js';
import { outsideGroup, signalKnown } from '../platform/escaped-descendants.js';
import { signalGroup, signalGroupOf } from '../platform/signal-group.js';
import { spawnErrorText } from './spawn-error-text.js';
import { APPEND_NO_FOLLOW, openNoFollowSync } from '../platform/no-follow.js';
import { LOG_ROOM_MIN_BYTES, diskRoom } from '../platform/disk-room.js';
import { endsWithNewline } from '../observe/log-rotation.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Epoch ms when the exit was seen. */
  at: number;
  /** False for adopted processes, whose exit status cannot be known. */
  statusKnown: boolean;
  /** Set when the process never ran (spawn error: ENOENT, EACCES...). */
  spawnError?: string;
  /** The spawn error's code (ENOENT, EAGAIN...). */
  spawnErrorCode?: string;
}

export interface SpawnSpec {
  argv: string[];
  shell: boolean;
  cwd: string;
  env: Record<string, string>;
  logFile: string;
  /** Output goes through the log redactor process instead of straight to the file. */
  redactLog?: boolean;
}

export interface InstanceRecord {
  pid: number;
  /** /proc start time in clock ticks: proves a pid was not recycled. */
  pidStartTime: number | null;
  startedAt: number;
}

export interface ServiceInstance extends InstanceRecord {
  readonly adopted: boolean;
  readonly exited: Promise<ExitInfo>;
  isRunning(): boolean;
  /** Sends a signal to the whole process group. */
  signalGroup(signal: NodeJS.Signals): void;
  /** Stop signal to the group, wait up to graceMs, then SIGKILL the group; resolves at exit. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<ExitInfo>;
  /** Stops watching (adopted polling) without touching the process. */
  release(): void;
  /** Set when the log file could not be opened: the instance's output is held (bounded) until it can be, or discarded. */
  readonly logError?: string;
  /** The error code of logError (EROFS, ENOSPC...). */
  readonly logErrorCode?: string;
  /** The log's size just before the spawn: where this instance's own output begins (a fast child writes before anything else can look). */
  readonly logStartOffset?: number;
}

/**
 * Signals inst's group: a spawned child's while it is unreaped (its pid cannot be reused, no /proc read); once reaped, or
 * for an adopted process, only while the pid is still the recorded process, or what is left of its group once the pid
 * is free: never a newcomer holding the pid (pid_max is 32768 on many machines).
 */
function signalInstance(inst: ServiceInstance, signal: NodeJS.Signals): void {
  if (inst.pid <= 0) return;
  // An adopted process whose start time was never read cannot be told from a newcomer: as before, its pid (see adoptInstance).
  if ((!inst.adopted && inst.isRunning()) || (inst.adopted && inst.pidStartTime === null)) signalGroup(inst.pid, signal);
  else signalGroupOf({ pid: inst.pid, startTime: inst.pidStartTime ?? undefined }, signal);
}

async function stopGroup(inst: ServiceInstance, clock: Clock, signal: NodeJS.Signals, graceMs: number): Promise<ExitInfo> {
  if (!inst.isRunning()) {
    killLeftovers(inst.pid);
    return inst.exited;
  }
  // Descendants that left the group (a setsid, a detached child) are the service's too: a stop reaches them, as
  // systemd's control-group kill and PM2's tree kill do. Recorded now, with start times, so a reused pid is never hit.
  const escaped = outsideGroup(inst.pid);
  signalInstance(inst, signal);
  signalKnown(escaped, signal);
  // A stopped (SIGSTOP'd) process cannot act on the stop signal until it is continued.
  signalInstance(inst, 'SIGCONT');
  signalKnown(escaped, 'SIGCONT');
  const deadline = clock.monotonic() + graceMs;
  let done = false;
  void inst.exited.then(() => {
    done = true;
  });
  const escapedGone = (): boolean => escaped.every((p) => !isSameProcess(p.pid, p.startTime));
  while (clock.monotonic() < deadline) {
    // An unlistable group (undefined) is not "empty": the grace is waited out, then SIGKILL as for a stubborn one.
    if (done && groupMemberCount(inst.pid) === 0 && escapedGone()) break;
    await clock.sleep(Math.min(25, Math.max(1, deadline - clock.monotonic())));
  }
  signalInstance(inst, 'SIGKILL');
  signalKnown(escaped, 'SIGKILL');
  const info = await inst.exited;
  killLeftovers(inst.pid);
  return info;
}

/**
 * Whether the group `pgid` is still the one a now-dead leader led. A live process with the leader's pid is a newer
 * one (the pid reused: the kernel frees a pid only once no group uses it), leading its own group that is not ours.
 */
function groupOfDeadLeader(pgid: number): boolean {
  return !isAlive(pgid);
}

/** How many processes the group has, or undefined when /proc cannot be listed (the daemon out of descriptors). */
function groupMemberCount(pgid: number): number | undefined {
  try {
    return processGroupMembers(pgid).length;
  } catch {
    return undefined;
  }
}

/** A leader that died can leave children in its group (e.g. workers holding the port): reap them. Returns how many. */
export function killLeftovers(pgid: number): number {
  if (!groupOfDeadLeader(pgid)) return 0;
  const members = groupMemberCount(pgid);
  if (members === undefined) {
    // /proc cannot be listed: the leader is dead, so its group is still ours to end.
    signalGroup(pgid, 'SIGKILL');
    return 0;
  }
  if (members > 0) signalGroup(pgid, 'SIGKILL');
  return members;
}

/** Whether a dead leader's group still holds resources (never a newer group under its reused pid). */
export function leftoversHolding(pgid: number): boolean {
  return groupOfDeadLeader(pgid) && processGroupHolding(pgid);
}

/**
 * Ends a line the previous instance left unfinished (output with no newline at its exit), so the next instance's first
 * line does not run on from it ("...at exitplain line": one line of two processes, a log probe's ^pattern missed).
 * Once per spawn, never per write. Returns the log's size after it.
 */
function endTornLine(fd: number, file: string): number {
  const size = fstatSync(fd).size;
  if (size === 0) return size;
  let torn = false;
  try {
    const rd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      // The same file as the writer's (not one swapped in since the open).
      torn = fstatSync(rd).ino === fstatSync(fd).ino && !endsWithNewline(rd, size);
    } finally {
      closeSync(rd);
    }
  } catch {
    return size;
  }
  if (!torn) return size;
  try {
    writeSync(fd, '\n');
  } catch {
    // A full disk refuses it; the output goes on as before.
  }
  return fstatSync(fd).size;
}

/** The log redactor's entry point (dist/, also when the tests run from src/). */
const LOG_REDACTOR = fileURLToPath(new URL('../../dist/observe/log-redactor.js', import.meta.url));

/**
 * Where the service's output goes: the log file itself, or (logs.redact) the write end of a pipe to a
 * detached log redactor that holds the file. The redactor ends when every writer has closed the pipe.
 * A log file that cannot be opened (read-only or missing directory, a full disk) costs the output, never the
 * service: its output goes through the redactor (--plain unless logs.redact), which holds the newest of it (bounded)
 * and writes it, after a line saying what was lost, as soon as the file can be opened; `error` says why. Only when
 * that helper cannot be started either is the output discarded.
 */
function outputTarget(spec: SpawnSpec): { target: number | Writable | 'ignore'; release(): void; error?: string; errorCode?: string; startOffset?: number } {
  let fd: number;
  try {
    mkdirRecursiveSync(path.dirname(spec.logFile), 0o700);
    fd = openNoFollowSync(spec.logFile, APPEND_NO_FOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = { error: `${spec.logFile} cannot be written: ${(err as Error).message}`, ...(code ? { errorCode: code } : {}) };
    try {
      return { ...throughRedactor(spec, !spec.redactLog), ...why };
    } catch {
      return { target: 'ignore', release: () => undefined, ...why };
    }
  }
  if (spec.redactLog) {
    closeSync(fd);
    return throughRedactor(spec, false);
  }
  // A log on a full disk opens fine but fails every write: a Node service's console.log throws ENOSPC and it exits,
  // start after start (a crash loop while the disk stays full). Its output then goes through the helper, which holds it.
  const room = diskRoom(path.dirname(spec.logFile))?.free;
  if (room === undefined || room >= LOG_ROOM_MIN_BYTES) return { target: fd, release: () => closeSync(fd), startOffset: endTornLine(fd, spec.logFile) };
  closeSync(fd);
  const why = { error: `${spec.logFile} cannot be written: its disk is full (${room} bytes free, under the ${LOG_ROOM_MIN_BYTES / 1024 / 1024} MiB kept for it)`, errorCode: 'ENOSPC' };
  try {
    return { ...throughRedactor(spec, true), ...why };
  } catch {
    return { target: 'ignore', release: () => undefined, ...why };
  }
}

function throughRedactor(spec: SpawnSpec, plain: boolean): { target: Writable; release(): void } {
  const redactor = spawn(process.execPath, [LOG_REDACTOR, spec.logFile, ...(plain ? ['--plain'] : [])], { env: spec.env, detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  redactor.unref();
  // A helper that failed to start (EMFILE, EAGAIN) closes the pipe: the service's writes then fail, not the daemon.
  redactor.once('error', () => undefined);
  // Out of descriptors for its pipe, it has no stdin at all: the caller discards the output rather than crash on it.
  const stdin = redactor.stdin;
  if (!stdin) throw new Error(`the log helper could not be started for ${spec.logFile}`);
  return { target: stdin, release: () => stdin.destroy() };
}

/**
 * opts.unref: the caller does not wait for the process (the guardian's direct revive): its handle must not keep the
 * caller's process alive, or the guardian pass never exited while the service ran (launchd and systemd run no next pass).
 */
export function spawnInstance(spec: SpawnSpec, clock: Clock, opts: { unref?: boolean } = {}): ServiceInstance {
  const out = outputTarget(spec);
  let child;
  try {
    const [cmd, ...args] = spec.shell ? ['/bin/sh', '-c', spec.argv[0]!] : spec.argv;
    child = spawn(cmd!, args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', out.target, out.target],
    });
  } finally {
    out.release();
  }
  if (opts.unref) child.unref();
  const startedAt = clock.now();
  let running = true;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal, at: clock.now(), statusKnown: true });
    });
    child.once('error', (err) => {
      // Spawn failure (ENOENT, EACCES): node emits 'exit' only sometimes, so settle here too.
      running = false;
      const code = (err as NodeJS.ErrnoException).code;
      resolve({ code: 127, signal: null, at: clock.now(), statusKnown: true, spawnError: spawnErrorText(spec.shell ? '/bin/sh' : spec.argv[0] ?? '', spec.cwd, err), ...(code ? { spawnErrorCode: code } : {}) });
    });
  });
  const pid = child.pid ?? -1;
  const inst: ServiceInstance = {
    pid,
    pidStartTime: pid > 0 ? processStartTime(pid) ?? null : null,
    startedAt,
    adopted: false,
    exited,
    isRunning: () => running && pid > 0,
    signalGroup: (signal) => signalInstance(inst, signal),
    stop: (signal, graceMs) => stopGroup(inst, clock, signal, graceMs),
    release: () => undefined,
    ...(out.error !== undefined ? { logError: out.error } : {}),
    ...(out.errorCode !== undefined ? { logErrorCode: out.errorCode } : {}),
    ...(out.startOffset !== undefined ? { logStartOffset: out.startOffset } : {}),
  };
  return inst;
}

/** Slack between a spawn's recorded startedAt and the start the kernel gives its process (wall-clock adjustments). */
const START_SLACK_MS = 5_000;

/**
 * A record whose start time could not be read at spawn, identified now: a process at its pid that started after the
 * recorded instance did is a newcomer holding a reused pid (adopted, it would later be stopped): undefined. Else the
 * start time read now is pinned, so exit polling and every signal from here on are about that process. A start
 * unreadable now too keeps the record as it is (adopted, as a process that cannot be read is: never a second copy).
 */
function identified(record: InstanceRecord): InstanceRecord | undefined {
  if (record.pidStartTime !== null) return record;
  const ticks = processStartTime(record.pid);
  if (ticks === undefined) return record;
  const startedMs = startTimeEpochMs(ticks);
  if (startedMs !== undefined && startedMs > record.startedAt + START_SLACK_MS) return undefined;
  return { ...record, pidStartTime: ticks };
}

/**
 * Re-attaches to a process a previous daemon started. Returns undefined when the pid is gone or
 * belongs to another process now (recycled pid). Exit is detected by polling.
 */
export function adoptInstance(given: InstanceRecord, clock: Clock, pollMs = 250): ServiceInstance | undefined {
  const record = identified(given);
  if (record === undefined) return undefined;
  // Unknown (its start time unreadable now) is adopted: starting a second copy beside a live one is the harm.
  if (sameProcess(record.pid, record.pidStartTime) === 'gone') return undefined;
  let running = true;
  let timer: TimerHandle | undefined;
  let settle: (info: ExitInfo) => void = () => undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    settle = resolve;
  });
  const poll = (): void => {
    // Only a process known to be gone has exited; one the daemon cannot read right now (EMFILE) is looked at again.
    if (sameProcess(record.pid, record.pidStartTime) === 'gone') {
      running = false;
      settle({ code: null, signal: null, at: clock.now(), statusKnown: false });
      return;
    }
    timer = clock.setTimeout(poll, pollMs);
  };
  timer = clock.setTimeout(poll, pollMs);
  const inst: ServiceInstance = {
    ...record,
    adopted: true,
    exited,
    isRunning: () => running,
    signalGroup: (signal) => signalInstance(inst, signal),
    stop: async (signal, graceMs) => {
      const info = await stopGroup(inst, clock, signal, graceMs);
      timer?.cancel();
      return info;
    },
    release: () => {
      timer?.cancel();
    },
  };
  return inst;
}
