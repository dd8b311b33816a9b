// Tests run real processes: spawn them marked for the leak check, in their own group, and always kill them.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { readProcStat } from '../../src/platform/proc.js';
import { holderOf } from '../../src/platform/signal-group.js';

/** The marker test/global-setup.ts looks for when it hunts leaked processes. */
export const TEST_CHILD_ENV = 'CLAWBACK_TEST_CHILD';

const OUTPUT_CAP_CHARS = 4 * 1024 * 1024;

/** How long a fresh node process may take to say it is up (or exit): seen at 8 s on one core at load 17-18. */
export const PROCESS_START_MS = 20_000;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnMarkedOptions {
  cwd?: string;
  /** Added on top of process.env (or replacing it when inheritEnv is false). */
  env?: Record<string, string | undefined>;
  /** Start from process.env (default true). */
  inheritEnv?: boolean;
}

export interface MarkedChild {
  child: ChildProcess;
  pid: number;
  /** Everything the child wrote to stdout so far (capped at 4 MiB). */
  stdout(): string;
  stderr(): string;
  /** Set once the child has exited. */
  exitInfo(): ExitInfo | undefined;
  /** Resolves when the child exits (never rejects). */
  exited: Promise<ExitInfo>;
  /** Resolves with the whole stdout once it matches; throws on timeout (default 20 s: a fresh process at load 19) or if the child exits first. */
  waitForStdout(match: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit info; throws if the child is still running after timeoutMs. */
  waitForExit(timeoutMs?: number): Promise<ExitInfo>;
  /** The child's identity (pid and start time), for killTree and signalProcess once the handle is out of reach. */
  ref: PidRef;
  /** SIGKILL the child's whole process group (once the child is reaped, only what is left of its group). Idempotent. */
  kill(): void;
  /** Sends signal to the child itself while it has not been reaped (its pid may be a stranger's after); false if not sent. */
  signal(signal: NodeJS.Signals): boolean;
}

/**
 * Spawns cmd with the test marker env, detached in its own process group (so killTree reaches
 * grandchildren), with stdout/stderr collected in memory.
 */
export function spawnMarked(cmd: string, args: readonly string[], opts: SpawnMarkedOptions = {}): MarkedChild {
  const env: Record<string, string> = {};
  const base = opts.inheritEnv === false ? {} : process.env;
  for (const [k, v] of Object.entries({ ...base, ...opts.env })) if (v !== undefined) env[k] = v;
  env[TEST_CHILD_ENV] = '1';

  const child = spawn(cmd, args, { cwd: opts.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exit: ExitInfo | undefined;
  let spawnError: Error | undefined;
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    if (out.length < OUTPUT_CAP_CHARS) out += chunk;
  });
  child.stderr?.on('data', (chunk: string) => {
    if (err.length < OUTPUT_CAP_CHARS) err += chunk;
  });
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.once('error', (e) => {
      spawnError = e;
      exit = exit ?? { code: null, signal: null };
      resolve(exit);
    });
  });
  if (child.pid === undefined) {
    throw new Error(`spawnMarked: could not start ${cmd}`);
  }
  const pid = child.pid;
  const ref = pidRef(pid);

  const describe = (): string =>
    `${cmd} ${args.join(' ')} (pid ${pid})${exit ? ` exited code=${exit.code} signal=${exit.signal}` : ''}` +
    `${spawnError ? ` spawn error: ${spawnError.message}` : ''}\n--- stdout ---\n${out.slice(-2000)}\n--- stderr ---\n${err.slice(-2000)}`;

  return {
    child,
    pid,
    stdout: () => out,
    stderr: () => err,
    exitInfo: () => exit,
    exited,
    async waitForStdout(match, timeoutMs = PROCESS_START_MS) {
      const matches = (): boolean => (typeof match === 'string' ? out.includes(match) : match.test(out));
      await waitFor(() => {
        if (matches()) return true;
        if (exit) throw new StopWaiting(`child exited before stdout matched ${String(match)}: ${describe()}`);
        return false;
      }, { timeoutMs, intervalMs: 20, message: () => `stdout of ${describe()} to match ${String(match)}` });
      return out;
    },
    async waitForExit(timeoutMs = 5000) {
      await waitFor(() => exit !== undefined, { timeoutMs, intervalMs: 20, message: () => `exit of ${describe()}` });
      return exit as ExitInfo;
    },
    ref,
    kill: () => killTree(ref),
    signal: (signal) => {
      // Node reaps the child and emits 'exit' in one go: until then the pid is still this child's.
      if (exit !== undefined) return false;
      process.kill(pid, signal);
      return true;
    },
  };
}

/** Throw this from a waitFor predicate to fail at once instead of retrying (e.g. the child exited). */
export class StopWaiting extends Error {}

/**
 * A pid as the test learned it, with the process's identity at that moment (start time, and whether it led its own
 * group). pid_max is 32768 on CI machines, so pids wrap during a run: a test that signals a number it recorded earlier,
 * after that process exited, would signal whichever process (another test's) holds the number now.
 */
export interface PidRef {
  readonly pid: number;
  /** /proc/<pid>/stat start time when learned; undefined if the process was already gone. */
  readonly startTime: number | undefined;
  /** It led its own process group when learned (or was already gone: what may be left of its group is still its). */
  readonly leader: boolean;
}

/**
 * Captures pid's identity now: call it where the pid is learned (spawned, printed), not at cleanup. A pid read from a
 * file the product wrote comes with the start time recorded there (state.json's and daemon.json's pidStartTime), which
 * names the process even if it is gone by the time the test reads the file.
 */
export function pidRef(pid: number, recordedStartTime?: number | null): PidRef {
  const stat = readProcStat(pid);
  const startTime = typeof recordedStartTime === 'number' ? recordedStartTime : recordedStartTime === null ? undefined : stat?.startTime;
  const same = stat !== undefined && stat.startTime === startTime;
  return { pid, startTime, leader: same ? stat.pgid === pid : true };
}

/** The process test/fixtures/write-pid-and-sleep.mjs recorded in file (its pid, and its start time in <file>.start). */
export function pidFileRef(file: string): PidRef | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    const start = Number(readFileSync(`${file}.start`, 'utf8'));
    return pid > 0 && Number.isFinite(start) ? pidRef(pid, start) : undefined;
  } catch {
    return undefined;
  }
}

/** ref's process still runs (not a zombie, and its pid not handed to another process since). */
export function isRunning(ref: PidRef): boolean {
  const now = readProcStat(ref.pid);
  return now !== undefined && ref.startTime !== undefined && now.startTime === ref.startTime && now.state !== 'Z' && now.state !== 'X';
}

/**
 * SIGKILL (or another signal to) the process group led by ref's process, falling back to the process alone; ignores
 * ESRCH. Once that process is gone, only what is left of its group is signalled (Linux never hands out a number still
 * used as a process group id), and nothing at all when the number names another process now.
 */
export function killTree(ref: PidRef, signal: NodeJS.Signals = 'SIGKILL'): void {
  const who = holderOf(ref);
  if (who === 'other') return;
  const targets = who === 'same' ? [-ref.pid, ref.pid] : ref.leader ? [-ref.pid] : [];
  for (const target of targets) {
    try {
      process.kill(target, signal);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
}

/** process.kill(ref.pid, signal) only while the pid still names ref's process; false (nothing sent) otherwise. */
export function signalProcess(ref: PidRef, signal: NodeJS.Signals): boolean {
  if (holderOf(ref) !== 'same') return false;
  try {
    process.kill(ref.pid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    return false;
  }
}

/** True while pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Resident set size of pid in bytes from /proc/PID/status (VmRSS), or undefined when unavailable. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface WaitForOptions {
  /** Default PROCESS_START_MS. */
  timeoutMs?: number;
  intervalMs?: number;
  /** What was awaited, for the timeout error. */
  message?: string | (() => string);
}

/**
 * Polls fn until it returns a truthy value (returned) or timeoutMs passes (throws, naming what was
 * awaited and the last error fn threw). Errors thrown by fn count as "not yet", except StopWaiting.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitForOptions = {}): Promise<NonNullable<T>> {
  // By default, as long as a fresh node process may take to start: most waits are for something a child does.
  const timeoutMs = opts.timeoutMs ?? PROCESS_START_MS;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (e) {
      if (e instanceof StopWaiting) throw e;
      lastError = e;
    }
    if (performance.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - performance.now()))));
  }
  const what = typeof opts.message === 'function' ? opts.message() : (opts.message ?? 'condition');
  const last = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
  throw new Error(`waitFor timed out after ${timeoutMs} ms waiting for ${what}${last}`);
}

export interface HttpResult {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** One HTTP request to a loopback URL, no keep-alive, with a hard overall timeout. */
export function httpRequest(method: string, url: string, timeoutMs = 2000, body?: string): Promise<HttpResult> {
  const target = new URL(url);
  if (!LOOPBACK_HOSTS.has(target.hostname)) {
    return Promise.reject(new Error(`httpRequest: refusing non-loopback URL ${url}`));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(target, { method, agent: false, headers: { connection: 'close' } }, (res) => {
      res.setEncoding('utf8');
      let text = '';
      let ended = false;
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        ended = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers });
      });
      res.on('close', () => {
        clearTimeout(timer);
        if (!ended) reject(new Error(`${method} ${url}: response aborted`));
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

export function httpGet(url: string, timeoutMs = 2000): Promise<HttpResult> {
  return httpRequest('GET', url, timeoutMs);
}

export function httpPost(url: string, timeoutMs = 2000): Promise<HttpResult> {
  return httpRequest('POST', url, timeoutMs);
}

/** A node program that respawns itself detached (its own session, as openclaw's CLI does), prints the child's pid, and waits. */
export const DETACHED_RESPAWN_SCRIPT = [
  "const { spawn } = require('node:child_process');",
  "const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });",
  'console.log(c.pid);',
  'setInterval(() => {}, 1000);',
].join(' ');

/**
 * Runs a command that a test lets run into its time-out once it has set itself up (started a grandchild, printed or
 * written its pid): `run(timeoutMs)` is one run, `ready(result)` says whether it got that far. Killed at a short
 * time-out before that (node's own start took 8 s on a loaded machine), a run proves nothing about the kill and has no
 * pid to check, so it runs again with a time-out four times as long, the last one PROCESS_START_MS. Unloaded, the
 * first run is the only one; the result returned is the first ready one, or the last.
 */
export async function runIntoTimeout<R>(firstTimeoutMs: number, run: (timeoutMs: number) => Promise<R>, ready: (r: R) => boolean | Promise<boolean>): Promise<R> {
  for (let timeoutMs = firstTimeoutMs; ; timeoutMs = Math.min(PROCESS_START_MS, timeoutMs * 4)) {
    const r = await run(timeoutMs);
    if (timeoutMs >= PROCESS_START_MS || (await ready(r))) return r;
  }
}

/** Waits until ref's process is gone (a zombie, its pid free or another's); if it is not, kills it (no leftover) and fails with `what`. */
export async function expectGone(ref: PidRef, what: string): Promise<void> {
  await waitFor(() => !isRunning(ref), { timeoutMs: 5000, message: what }).catch((err: Error) => {
    signalProcess(ref, 'SIGKILL');
    throw err;
  });
}

/** Pids whose command line holds every one of `args` (a word equal to it, or a path ending in it): a test's own children found by their arguments. */
export function processesWithArgs(...args: string[]): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (args.every((a) => argv.some((v) => v === a || v.endsWith(`/${a}`)))) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Pids (this process aside) whose environment holds `entry` (`NAME=value`) exactly: children found however detached. */
export function processesWithEnv(entry: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/environ`, 'utf8').split('\0').includes(entry)) out.push(Number(e));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

/**
 * Pids of the services a daemon of `stateDir` started (the CLAWBACK_SUPERVISED_BY mark it puts in each one's
 * environment): a test's cleanup finds them even where state.json does not record them (a daemon killed before it saved).
 */
export function processesSupervisedBy(stateDir: string): number[] {
  return processesWithEnv(`CLAWBACK_SUPERVISED_BY=${path.resolve(stateDir)}`);
}
