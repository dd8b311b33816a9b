// Probe commands (validators, custom checks) run without a shell, in their own process group, killed on abort.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { abortedByTimeout } from './probe-types.js';
import { signalChildGroup } from '../platform/signal-group.js';
import { pidsWithEnv, processStartTime } from '../platform/proc.js';
import { signalKnown } from '../platform/escaped-descendants.js';

/**
 * Set in the environment of every probe command, naming the run: a process it started in a session of its own (a CLI
 * that respawns itself detached: OpenClaw's `config validate`) is no member of its group, and outlived the daemon's
 * stop by half a minute. An aborted command (a timeout, the daemon stopping) ends those too.
 */
export const PROBE_COMMAND_ENV = 'CLAWBACK_PROBE_COMMAND';

/** Live processes carrying a command's mark, with their start times (a pid reused later is never hit). */
function markedBy(mark: string): Array<{ pid: number; startTime: number | undefined }> {
  return pidsWithEnv(PROBE_COMMAND_ENV, mark).map((pid) => ({ pid, startTime: processStartTime(pid) }));
}

export type CommandOutcome =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
  | { kind: 'spawn-error'; code: string | undefined; message: string }
  | { kind: 'aborted'; byTimeout: boolean; stdout: string; stderr: string };

export interface RunCommandOptions {
  signal: AbortSignal;
  cwd?: string;
  /** Added on top of the daemon's environment. */
  env?: Record<string, string>;
  /** The tail of stdout and stderr kept, each (default 16 KiB). */
  maxOutputChars?: number;
}

/** Runs argv to completion; on abort the whole group gets SIGKILL. Never rejects. */
export function runCommand(argv: readonly string[], opts: RunCommandOptions): Promise<CommandOutcome> {
  const cap = opts.maxOutputChars ?? 16 * 1024;
  return new Promise<CommandOutcome>((resolve) => {
    if (opts.signal.aborted) {
      resolve({ kind: 'aborted', byTimeout: abortedByTimeout(opts.signal), stdout: '', stderr: '' });
      return;
    }
    const [cmd, ...args] = argv;
    if (cmd === undefined) {
      resolve({ kind: 'spawn-error', code: 'EINVAL', message: 'empty command' });
      return;
    }
    let stdout = '';
    let stderr = '';
    let settled = false;
    const mark = randomUUID();
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env, [PROBE_COMMAND_ENV]: mark },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const keepTail = (s: string): string => (s.length > cap ? s.slice(s.length - cap) : s);
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (c: string) => (stdout = keepTail(stdout + c)));
    child.stderr?.on('data', (c: string) => (stderr = keepTail(stderr + c)));

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    };
    const finish = (outcome: CommandOutcome): void => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = (): void => {
      // An abort after the exit (a grandchild holding the pipes) must not reach a newcomer holding the reaped pid.
      signalChildGroup(child, 'SIGKILL');
      signalKnown(markedBy(mark), 'SIGKILL');
      finish({ kind: 'aborted', byTimeout: abortedByTimeout(opts.signal), stdout, stderr });
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });

    child.once('error', (err: NodeJS.ErrnoException) => {
      killGroup();
      finish({ kind: 'spawn-error', code: err.code, message: err.message });
    });
    child.once('exit', (code, sig) => {
      // Leftovers in the group (a probe command has no business leaving daemons behind) go too.
      killGroup();
      // Output is complete once the pipes close; the group is dead so that is prompt.
      child.once('close', () => finish({ kind: 'exited', code, signal: sig, stdout, stderr }));
    });
  });
}

