// Which state directory a live daemon process serves, read from the process itself: a daemon.json, daemon.lock or alive
// marker copied (or restored) with a state directory names a pid that serves another one, and is none of ours to kill.
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { commandLine, environOf, isSameProcess, processStartTime, startTimeEpochMs } from '../platform/proc.js';
import { typedPath } from '../config/home-path.js';

/**
 * The state directory a daemon's argv and initial env name (pure): `--state-dir D` / `--state-dir=D`, else
 * $CLAWBACK_STATE_DIR, resolved against its cwd (`~` as the CLI reads it); undefined when neither names one (the config's stateDir or the default).
 */
export function stateDirFromArgv(argv: readonly string[], envStateDir: string | undefined, cwd: string): string | undefined {
  let named: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--state-dir' && i + 1 < argv.length) named = argv[++i];
    else if (a.startsWith('--state-dir=')) named = a.slice('--state-dir='.length);
  }
  named = named || envStateDir || undefined;
  return named ? typedPath(named, cwd) : undefined;
}

/** A path through its links when it exists, else as given (resolved): the one way two names of a file are compared. */
export function realOrSame(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The state directory live pid serves, as a real path (Linux /proc); undefined where it cannot be told. */
export function daemonStateDirOf(pid: number): string | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    const dir = stateDirFromArgv(argv, environOf(pid, 'CLAWBACK_STATE_DIR'), cwd);
    return dir === undefined ? undefined : realOrSame(dir);
  } catch {
    return undefined; // no /proc, another user's process, or gone meanwhile
  }
}

/** Our own state directory as a real path, to compare with daemonStateDirOf. */
export function realStateDir(stateDir: string): string {
  return realOrSame(stateDir);
}

/** A daemon writes its startedAt after its process started; a process started this much later is another one. */
const STARTED_AFTER_RECORD_MS = 5000;

/**
 * Pure: whether a live process may be the daemon a record names without a start time (a daemon.json of a system with
 * neither /proc nor ps, an `x` alive marker, a hand-written file): not when its command line is known and runs no `run`
 * (clawback run, node …/main.js run), nor when it started after the record's startedAt (a pid reused since, as after a
 * reboot). Where neither can be read it may be.
 */
export function mayBeRecordedDaemon(argv: readonly string[] | undefined, startedAtMs: number | undefined, recordStartedAt: number): boolean {
  if (argv !== undefined && argv.length > 0 && !argv.slice(1).includes('run')) return false;
  if (startedAtMs !== undefined && startedAtMs > recordStartedAt + STARTED_AFTER_RECORD_MS) return false;
  return true;
}

/** mayBeRecordedDaemon for a live pid, read from the process (its argv, its start on the wall clock). */
export function pidMayBeRecordedDaemon(pid: number, recordStartedAt: number): boolean {
  const argv = argvOf(pid);
  const ticks = processStartTime(pid);
  const startedAtMs = ticks === undefined ? undefined : startTimeEpochMs(ticks);
  return mayBeRecordedDaemon(argv, startedAtMs, recordStartedAt);
}

/**
 * Whether the daemon a record (daemon.json, an alive marker) names is alive: the same process by its start time, or,
 * with none recorded, a process that may be it (a reused pid is not).
 */
export function recordedDaemonLives(pid: number, pidStartTime: number | null, recordStartedAt: number): boolean {
  if (!isSameProcess(pid, pidStartTime)) return false;
  return pidStartTime !== null || pidMayBeRecordedDaemon(pid, recordStartedAt);
}

function argvOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    const line = commandLine(pid);
    return line === undefined ? undefined : line.split(/\s+/).filter(Boolean);
  }
}
