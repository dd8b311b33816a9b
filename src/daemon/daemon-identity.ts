// Which state directory a live daemon process serves, read from the process itself: a daemon.json, daemon.lock or alive
// marker copied (or restored) with a state directory names a pid that serves another one, and is none of ours to kill.
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { environOf } from '../platform/proc.js';
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
