// Runs validators and service doctors as real argv commands (no shell), bounded in time and output.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../platform/clock.js';
import { systemClock } from '../platform/clock.js';
import { descendantsOf, signalKnown, type KnownProcess } from '../platform/escaped-descendants.js';
import { signalChildGroup } from '../platform/signal-group.js';
import { hasProcFs, pidsWithEnv, processStartTime } from '../platform/proc.js';
import { limitMarkedArgv, pidsWithLimitMark } from '../platform/run-limit-mark.js';
import { resolveCommand } from '../platform/resolve-command.js';
import type { CommandRunner, DoctorContext, RunOptions, RunResult } from './types.js';

export interface SpawnRunnerOptions {
  clock?: Clock;
  /** Bytes of stdout and of stderr kept (the head; the rest is counted and dropped). Default 64 KiB. */
  maxOutputBytes?: number;
  /** Between SIGTERM and SIGKILL of the process group on timeout. Default 2 s. */
  killGraceMs?: number;
}

/**
 * Set in the environment of every command the doctor runs, naming the run: an orphan it left (a double fork, reparented to
 * init, so no descendant any more) still carries it, and a timed-out or cancelled command's orphans are ended too.
 */
export const DOCTOR_COMMAND_ENV = 'CLAWBACK_DOCTOR_COMMAND';

/** Live processes carrying either of a command's marks, each with its start time (a pid reused later is never hit). */
function markedBy(mark: string): KnownProcess[] {
  const pids = new Set([...pidsWithEnv(DOCTOR_COMMAND_ENV, mark), ...pidsWithLimitMark(mark)]);
  return [...pids].map((pid) => ({ pid, startTime: processStartTime(pid) }));
}

/**
 * The command under `prlimit` (Linux): its second mark, a soft RLIMIT_RTTIME every process it starts inherits, reaches an
 * orphan started with `env -i` (which clears the environment mark). A command that cannot be found is spawned as it is, so
 * its error stays node's own (ENOENT), not prlimit's; without prlimit, the environment mark alone.
 */
async function markedArgv(argv: readonly string[], mark: string, env: Record<string, string>, cwd: string | undefined): Promise<readonly string[]> {
  if (!hasProcFs()) return argv;
  const prlimit = await resolveCommand('prlimit', env.PATH ? env : { ...env, PATH: '/usr/bin:/bin:/usr/sbin:/sbin' }, '/');
  if (prlimit === undefined || (await resolveCommand(argv[0]!, env, cwd ?? process.cwd())) === undefined) return argv;
  return limitMarkedArgv(prlimit, mark, argv);
}

/** After the process exited, how long its pipes may stay open (held by a grandchild) before we stop reading. */
const PIPE_DRAIN_MS = 250;

/** The default runner: spawn in a new process group, collect output, kill the group on timeout. */
export function spawnRunner(opts: SpawnRunnerOptions = {}): CommandRunner {
  const clock = opts.clock ?? systemClock();
  const maxBytes = opts.maxOutputBytes ?? 64 * 1024;
  const graceMs = opts.killGraceMs ?? 2_000;
  return async (argv: readonly string[], runOpts: RunOptions): Promise<RunResult> => {
    const mark = randomUUID();
    const env = { ...(runOpts.env ?? (process.env as Record<string, string>)), [DOCTOR_COMMAND_ENV]: mark };
    const spawned = argv[0] === undefined ? argv : await markedArgv(argv, mark, env, runOpts.cwd);
    return new Promise<RunResult>((resolve) => {
      const [cmd, ...args] = spawned;
      if (cmd === undefined) {
        resolve({ code: null, signal: null, stdout: '', stderr: '', error: 'empty command' });
        return;
      }
      if (runOpts.signal?.aborted) {
        resolve({ code: null, signal: null, stdout: '', stderr: '', aborted: true, error: 'aborted before start' });
        return;
      }
      const out = boundedText(maxBytes);
      const err = boundedText(maxBytes);
      let timedOut = false;
      let aborted = false;
      let settled = false;
      let exit: { code: number | null; signal: string | null } | undefined;
      let spawnError: string | undefined;
      const timers: { cancel(): void }[] = [];

      const child = spawn(cmd, args, {
        cwd: runOpts.cwd,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Once the child is reaped (finish runs after its exit) its pid may be another process's: only its group then.
      const signalGroup = (signal: NodeJS.Signals): void => {
        signalChildGroup(child, signal);
      };
      // Descendants that left the group (a CLI that respawns itself detached), recorded when the command is ended.
      let escaped: KnownProcess[] = [];
      const finish = (): void => {
        if (settled) return;
        settled = true;
        for (const t of timers) t.cancel();
        runOpts.signal?.removeEventListener('abort', onAbort);
        // A timed-out or cancelled command leaves nothing behind: members of its group that outlived the leader go too.
        if (timedOut || aborted) {
          signalGroup('SIGKILL');
          signalKnown([...escaped, ...markedBy(mark)], 'SIGKILL');
        }
        child.stdout?.destroy();
        child.stderr?.destroy();
        const result: RunResult = {
          code: exit?.code ?? null,
          signal: exit?.signal ?? null,
          stdout: out.text(),
          stderr: err.text(),
        };
        if (timedOut) result.timedOut = true;
        if (aborted) result.aborted = true;
        if (spawnError !== undefined) result.error = spawnError;
        resolve(result);
      };

      child.stdout?.on('data', (chunk: Buffer) => out.add(chunk));
      child.stderr?.on('data', (chunk: Buffer) => err.add(chunk));
      child.once('error', (e) => {
        spawnError = e.message;
        finish();
      });
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        timers.push(clock.setTimeout(finish, PIPE_DRAIN_MS));
      });
      child.once('close', finish);
      const terminate = (): void => {
        if (child.pid !== undefined) escaped = [...descendantsOf(child.pid), ...markedBy(mark)];
        signalGroup('SIGTERM');
        signalKnown(escaped, 'SIGTERM');
        timers.push(
          clock.setTimeout(() => {
            signalGroup('SIGKILL');
            signalKnown(escaped, 'SIGKILL');
          }, graceMs),
        );
      };
      const onAbort = (): void => {
        if (exit || settled) return;
        aborted = true;
        terminate();
      };
      runOpts.signal?.addEventListener('abort', onAbort, { once: true });
      timers.push(
        clock.setTimeout(() => {
          if (exit) return;
          timedOut = true;
          terminate();
        }, runOpts.timeoutMs),
      );
    });
  };
}

/** The context's runner (or a real one on the context's clock), bound to the context's abort signal. */
export function runnerOf(ctx: Pick<DoctorContext, 'runner' | 'clock' | 'signal'>): CommandRunner {
  const base = ctx.runner ?? spawnRunner({ clock: ctx.clock });
  const signal = ctx.signal;
  if (!signal) return base;
  return (argv, opts) => base(argv, opts.signal ? opts : { ...opts, signal });
}

export { serviceEnv } from '../config/service-env.js';

/** One line for reports: how a command ended. */
export function describeRun(r: RunResult): string {
  if (r.aborted) return 'was cancelled';
  if (r.error !== undefined) return `could not run: ${r.error}`;
  if (r.timedOut) return 'timed out and was killed';
  if (r.signal) return `killed by ${r.signal}`;
  return `exit code ${String(r.code)}`;
}

function boundedText(max: number): { add(chunk: Buffer): void; text(): string } {
  const chunks: Buffer[] = [];
  let kept = 0;
  let dropped = 0;
  return {
    add(chunk) {
      const room = max - kept;
      if (room > 0) {
        const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
        chunks.push(part);
        kept += part.length;
      }
      dropped += Math.max(0, chunk.length - Math.max(0, room));
    },
    text() {
      const s = Buffer.concat(chunks).toString('utf8');
      return dropped > 0 ? `${s}\n[... ${dropped} more bytes dropped]` : s;
    },
  };
}
