// Running OS commands (systemctl, launchctl, crontab) behind one interface: argv only, bounded in time, or just recorded for a dry run.
import { spawn } from 'node:child_process';
import { systemClock, type Clock } from './clock.js';
import { signalChildGroup } from './signal-group.js';
import { descendantsOf, signalKnown } from './escaped-descendants.js';

export interface RunOptions {
  /** Kill the command's process group after this long (default 60 000; 0 = no limit). */
  timeoutMs?: number;
  /** Merged over process.env (a value of undefined removes the variable). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to the command's stdin, which is then closed (e.g. `crontab -`). Without it stdin is empty. */
  input?: string;
  signal?: AbortSignal;
}

export interface RunResult {
  /** Exit code, or null when killed by a signal or not started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the timeout (or the abort signal) killed it. */
  timedOut: boolean;
  /** Set when the command could not be started (e.g. ENOENT). */
  error?: string;
}

export interface CommandRunner {
  run(argv: string[], opts?: RunOptions): Promise<RunResult>;
}

export interface RealRunnerOptions {
  clock?: Clock;
  /** After the timeout's SIGTERM to the group, SIGKILL follows after this grace (default 2000 ms). */
  killGraceMs?: number;
  /** Cap per stream, in characters (default 1 MiB). */
  maxOutputChars?: number;
}


/** Spawns argv directly (never through a shell), in its own process group so a timeout reaches grandchildren. */
export function realCommandRunner(options: RealRunnerOptions = {}): CommandRunner {
  const clock = options.clock ?? systemClock();
  const graceMs = options.killGraceMs ?? 2000;
  const cap = options.maxOutputChars ?? 1024 * 1024;
  return {
    run(argv, opts = {}) {
      const [cmd, ...args] = argv;
      if (!cmd) return Promise.reject(new Error('run: empty argv'));
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined) env[k] = v;
      return new Promise<RunResult>((resolve) => {
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        let spawnError: string | undefined;
        let settled = false;
        const timers: { cancel(): void }[] = [];
        const child = spawn(cmd, args, {
          cwd: opts.cwd,
          env,
          shell: false,
          detached: true,
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        const kill = (): void => {
          if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
          timedOut = true;
          // Descendants that left the group (a CLI that respawns itself detached, as openclaw's does) are signalled
          // by pid too, each checked against its start time so a reused pid is never hit.
          const escaped = descendantsOf(child.pid);
          signalChildGroup(child, 'SIGTERM');
          signalKnown(escaped, 'SIGTERM');
          timers.push(
            clock.setTimeout(() => {
              // The child may have exited (and its pid gone to another process) while a grandchild held the pipes.
              signalChildGroup(child, 'SIGKILL');
              signalKnown(escaped, 'SIGKILL');
            }, graceMs),
          );
        };
        const onAbort = (): void => kill();
        const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
          if (settled) return;
          settled = true;
          for (const t of timers) t.cancel();
          opts.signal?.removeEventListener('abort', onAbort);
          const result: RunResult = { code, signal, stdout, stderr, timedOut };
          if (spawnError !== undefined) result.error = spawnError;
          resolve(result);
        };
        child.stdout.setEncoding('utf8');
        child.stderr.setEncoding('utf8');
        child.stdout.on('data', (c: string) => {
          if (stdout.length < cap) stdout += c;
        });
        child.stderr.on('data', (c: string) => {
          if (stderr.length < cap) stderr += c;
        });
        child.stdin.on('error', () => {
          // EPIPE when the command does not read its stdin: not our failure.
        });
        child.once('error', (err) => {
          spawnError = err.message;
          finish(null, null);
        });
        child.once('close', (code, signal) => finish(code, signal));
        // A grandchild that left the group may keep the pipes open: after the exit, wait a grace at most.
        child.once('exit', (code, signal) => {
          timers.push(
            clock.setTimeout(() => {
              child.stdout.destroy();
              child.stderr.destroy();
              finish(code, signal);
            }, graceMs),
          );
        });
        child.stdin.end(opts.input ?? '');
        const timeoutMs = opts.timeoutMs ?? 60_000;
        if (timeoutMs > 0) timers.push(clock.setTimeout(kill, timeoutMs));
        if (opts.signal?.aborted) kill();
        else opts.signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

export interface RecordedCommand {
  argv: string[];
  opts: RunOptions;
}

/** A runner that runs nothing: it records each call and answers with `respond` (default: exit 0, no output). */
export class DryRunRunner implements CommandRunner {
  readonly calls: RecordedCommand[] = [];

  constructor(private readonly respond: (argv: string[]) => Partial<RunResult> = () => ({})) {}

  run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ argv: [...argv], opts: { ...opts } });
    return Promise.resolve({ code: 0, signal: null, stdout: '', stderr: '', timedOut: false, ...this.respond(argv) });
  }
}

