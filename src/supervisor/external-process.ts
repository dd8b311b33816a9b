// A service another manager runs (systemd, launchd): found by pid, started and restarted through that manager.
import { PID_FILE_MAX_BYTES, readRegularFile } from '../platform/read-regular.js';
import type { Clock } from '../platform/clock.js';
import type { ExternalConfig } from '../config/schema.js';
import type { CommandRunner } from '../platform/command-runner.js';
import { isAlive, isSameProcess, processStartTime } from '../platform/proc.js';
import { adoptInstance, type ExitInfo, type ServiceInstance } from './service-process.js';
import { cutSnippet } from '../platform/cut-text.js';
import { startedAfterPidFile, type StalePidFile } from './pid-file-owner.js';

export class ExternalStartError extends Error {}
/** A person's stop or restart ended the launch (its start command killed, or its wait for the pid cut short) and no process came up. */
export class ExternalStartCancelled extends Error {}
/** A stop that sent nothing (a pid it cannot identify, no stopCommand): the process runs on exactly as it was. */
export class StopNotSent extends Error {}

/**
 * The pid in a service manager's answer or a pid file: `MainPID=1234` (systemctl show), `pid = 1234`
 * (launchctl print), or a line holding just the number. 0 or nothing means not running.
 */
export function parsePid(text: string): number | undefined {
  const m = /\bMainPID=(\d+)/.exec(text) ?? /^\s*pid\s*=\s*(\d+)\s*$/m.exec(text) ?? /^\s*(\d+)\s*$/m.exec(text);
  const pid = m ? Number(m[1]) : 0;
  return pid > 0 ? pid : undefined;
}

/**
 * The live pid of the service, or undefined when it is not running. A pid file's pid counts only when the process
 * holding it is not younger than the file: once the service died, an unrelated process that took its pid was attached
 * to, and the stop or restart that followed signalled it.
 */
export async function discoverPid(ext: ExternalConfig, runner: CommandRunner, signal?: AbortSignal, onStale?: StalePidFile): Promise<number | undefined> {
  if (ext.pidCommand) {
    const r = await runner.run(ext.pidCommand, { timeoutMs: ext.timeout, ...(signal ? { signal } : {}) });
    const pid = r.code === 0 ? parsePid(r.stdout) : undefined;
    return pid !== undefined && isAlive(pid) ? pid : undefined;
  }
  if (!ext.pidFile) return undefined;
  const pid = parsePid(await readRegularFile(ext.pidFile, { maxBytes: PID_FILE_MAX_BYTES }).then((b) => b.toString('utf8'), () => ''));
  if (pid === undefined) return undefined;
  // Passed over, said (once: see oncePerStalePid): a person otherwise saw "not running" or a start that timed out, no why.
  const why = !isAlive(pid) ? 'dead' : (await startedAfterPidFile(ext.pidFile, pid)) ? 'younger' : undefined;
  if (why === undefined) return pid;
  onStale?.(ext.pidFile, pid, why);
  return undefined;
}

function describe(argv: string[], r: { code: number | null; stderr: string; error?: string; timedOut: boolean }): string {
  if (r.error) return `${argv.join(' ')} could not run: ${r.error}`;
  if (r.timedOut) return `${argv.join(' ')} timed out`;
  return `${argv.join(' ')} exited ${r.code}: ${cutSnippet(r.stderr.trim(), 200)}`;
}

/**
 * Attaches to the running service, or asks its manager to (re)start it and waits for the new pid.
 * `restart` forces the restart command even when a pid is found (a graceful restart was asked for).
 * `signal` (a person's stop or restart of the start under way) kills the start command's process group; a process its
 * manager brought up all the same (or brings up within the timeout, the command done or killed) is returned for its caller
 * to stop, else ExternalStartCancelled.
 */
export async function launchExternal(ext: ExternalConfig, clock: Clock, runner: CommandRunner, opts: { restart: boolean; pollMs?: number; signal?: AbortSignal; end?: AbortSignal; onStale?: StalePidFile }): Promise<ServiceInstance> {
  const signal = opts.signal;
  // `end`: the daemon stops (or a reload replaces this runtime): the start command is killed and nothing is waited for;
  // what its manager runs is left to it (an external service outlives the daemon), for whoever supervises next to find.
  const end = opts.end;
  const either = signal && end ? AbortSignal.any([signal, end]) : signal ?? end;
  const ended = (when: string): never => {
    throw new ExternalStartCancelled(`start cut short by the daemon stopping or a config reload ${when}`);
  };
  const before = await discoverPid(ext, runner, either, opts.onStale);
  if (end?.aborted) ended('before its manager was asked');
  if (before !== undefined && !opts.restart) return attach(before, ext, clock, runner, opts.pollMs);
  const argv = before !== undefined || opts.restart ? ext.restartCommand : ext.startCommand ?? ext.restartCommand;
  if (end?.aborted) ended(`before ${argv.join(' ')} ran`);
  if (signal?.aborted) return cancelled(ext, clock, runner, opts.pollMs, `before ${argv.join(' ')} ran`, end, opts.onStale);
  const r = await runner.run(argv, { timeoutMs: ext.timeout, ...(either ? { signal: either } : {}) });
  if (end?.aborted) ended(`while ${argv.join(' ')} ran (its process group ended)`);
  // Killed part-way by a person's cancel: its manager may have queued the job already (a killed `systemctl start` leaves
  // it to systemd), and a service it brought up later, its pid looked for once, ran unwatched. Waited for like the rest.
  const cut = signal?.aborted === true;
  // A manager that reports failure may have brought the service up all the same (its start job timed out waiting, a
  // wrapper's last step failed): it was not looked for, and the next start ran a second copy. Looked for like the rest.
  const failed = !cut && r.code !== 0 ? describe(argv, r) : undefined;
  // One that could not run at all (no such file) brought nothing up: said at once.
  if (failed && r.error && !r.timedOut) throw new ExternalStartError(failed);
  // Monotonic: a wall-clock step must neither poll for an hour nor fail the start at once. The wait, a pid command that
  // hangs included, ends at the deadline (or the daemon's end): one external.timeout overall, after a cancel too.
  const wait = boundedSignal(clock, ext.timeout, end);
  try {
    // Not cut short by a cancel: the manager took the start job and brings the service up all the same; left unwatched, it
    // ran while status said "stopped". What comes up within the timeout is returned, for its caller to stop (the request's
    // answer waits as long: ServiceRuntime.requestBoundMs and the CLI's actionWaitMs count external.timeout).
    let last: number | undefined;
    while (!wait.signal.aborted) {
      last = await discoverPid(ext, runner, wait.signal, opts.onStale);
      if (end?.aborted) ended(`while waiting for the pid after ${argv.join(' ')}`);
      if (last !== undefined && last !== before) return attach(last, ext, clock, runner, opts.pollMs);
      await clock.sleep(opts.pollMs ?? 250, wait.signal).catch(() => undefined);
      if (end?.aborted) ended(`while waiting for the pid after ${argv.join(' ')}`);
    }
    // Cancelled: the looks above were the wait; what the last one found running (the restart's old pid) is stopped.
    if (signal?.aborted) {
      if (last !== undefined && isAlive(last)) return attach(last, ext, clock, runner, opts.pollMs);
      throw new ExternalStartCancelled(`start cancelled by a person ${cut ? `while ${argv.join(' ')} ran (its process group ended)` : `while waiting for the pid after ${argv.join(' ')}`}`);
    }
  } finally {
    wait.cancel();
  }
  if (failed) throw new ExternalStartError(`${failed} (and no new pid within ${ext.timeout} ms)`);
  throw new ExternalStartError(`no new pid within ${ext.timeout} ms after ${argv.join(' ')}`);
}

/** Aborted after `ms` on `clock`, or with `end`: bounds a wait and the commands run inside it. */
function boundedSignal(clock: Clock, ms: number, end: AbortSignal | undefined): { signal: AbortSignal; cancel(): void } {
  const timeUp = new AbortController();
  const timer = clock.setTimeout(() => timeUp.abort(new Error(`no answer within ${ms} ms`)), ms);
  return { signal: end ? AbortSignal.any([timeUp.signal, end]) : timeUp.signal, cancel: () => timer.cancel() };
}

/**
 * The launch was cancelled before its manager was asked: whatever runs now (its manager started it before the cancel
 * came) is returned to be stopped. The look is bounded by one external.timeout and ended by the daemon's end.
 */
async function cancelled(ext: ExternalConfig, clock: Clock, runner: CommandRunner, pollMs: number | undefined, when: string, end: AbortSignal | undefined, onStale: StalePidFile | undefined): Promise<ServiceInstance> {
  const look = boundedSignal(clock, ext.timeout, end);
  const pid = await discoverPid(ext, runner, look.signal, onStale).finally(() => look.cancel());
  if (end?.aborted) throw new ExternalStartCancelled(`start cut short by the daemon stopping or a config reload ${when}`);
  if (pid !== undefined) return attach(pid, ext, clock, runner, pollMs);
  throw new ExternalStartCancelled(`start cancelled by a person ${when}`);
}

/** Why a stop sent nothing to a pid it cannot identify, and what to do. */
export function notSignalled(pid: number, signal: NodeJS.Signals): string {
  return `pid ${pid} was not signalled (${signal}): its start time could not be read (/proc/${pid}/stat unreadable), so it cannot be told from another process that took the pid; stop it through its manager, or set external.stopCommand`;
}

function attach(pid: number, ext: ExternalConfig, clock: Clock, runner: CommandRunner, pollMs = 250): ServiceInstance {
  const inst = adoptInstance({ pid, pidStartTime: processStartTime(pid) ?? null, startedAt: clock.now() }, clock, pollMs);
  if (!inst) throw new ExternalStartError(`pid ${pid} vanished while attaching`);
  // Only the pid, not a group: the other manager owns the process tree. And only while the pid still names the process
  // attached to: its exit is seen at the next poll, and a signal sent before that (the stop's SIGKILL at the end of the
  // grace) would reach whichever process took the freed pid meanwhile.
  // A pid whose start time could not be read when attached (its /proc/PID/stat unreadable: the daemon out of descriptors,
  // another user's process under hidepid) cannot be told from a process that took the pid later: never signalled.
  const unverified = inst.pidStartTime === null;
  const signalIt = (signal: NodeJS.Signals): void => {
    if (unverified || !isSameProcess(pid, inst.pidStartTime)) return;
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    ...inst,
    signalGroup: signalIt,
    stop: async (signal: NodeJS.Signals, graceMs: number): Promise<ExitInfo> => {
      if (ext.stopCommand) await runner.run(ext.stopCommand, { timeoutMs: ext.timeout });
      // Said to the reducer (a failed stop: journaled and alerted), which waits for the exit its manager or a person brings.
      else if (unverified) throw new StopNotSent(notSignalled(pid, signal));
      else signalIt(signal);
      const timer = clock.setTimeout(() => signalIt('SIGKILL'), graceMs);
      const info = await inst.exited;
      timer.cancel();
      return info;
    },
  };
}
