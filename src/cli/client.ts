// The CLI's way to the running daemon: find the state directory, read daemon.json and the token, call the API.
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findConfigFile, MAX_CONFIG_BYTES } from '../config/find-config.js';
import { expandHome, typedPath } from '../config/home-path.js';
import { ConfigError } from '../config/errors.js';
import { assessDaemon, heartbeatAge, readDaemonInfoSync, readDaemonPresence, type DaemonInfo } from '../daemon/daemon-info.js';
import { pidMayBeRecordedDaemon, recordedDaemonLives } from '../daemon/daemon-identity.js';
import { isAlive, isSameProcess, processStartTime } from '../platform/proc.js';
import { readConfigClaim } from '../daemon/config-claim.js';
import { readToken, tokenPath } from '../server/token.js';
import { apiRequest } from './api-request.js';
import { cliHint } from './cli-command.js';
import { reviveConfig } from './revive-config.js';
import { START_POLL_MS, startingDaemon, waitForStartingDaemon } from './daemon-starting.js';
import { errnoText } from '../platform/errno-words.js';
import { FileTooLargeError, NotRegularFileError, readRegularFileSync } from '../platform/read-regular.js';
import { GUARDIAN_START_LOOP_ATTEMPTS, readStartAttempt, START_ATTEMPTS_FILE } from '../daemon/start-attempts.js';
import { runConfigProblem } from './run-config-check.js';
import { liveDaemonsText } from './live-daemons-hint.js';
import { readStaleFacts, staleCause } from './stale-cause.js';
import { endedText, leftRunningText, readEndFacts, runningServices, socketClosed } from './daemon-ended.js';
import { urlHost } from '../platform/url-host.js';
import { localStamp } from './local-time.js';

export interface GlobalOpts {
  config?: string;
  stateDir?: string;
}

/**
 * The top-level `stateDir:` of a YAML or JSON config, read without a YAML parser so that client
 * commands stay fast; a file written differently falls back to the default directory.
 */
function stateDirLine(text: string): { stateDir?: unknown } | null {
  // A JSON config on one line (`{"stateDir": ...}`, as a script writes it) has no line of its own for stateDir.
  if (text.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object' && 'stateDir' in parsed) return { stateDir: (parsed as { stateDir?: unknown }).stateDir };
    } catch {
      // Not JSON (YAML flow style, or broken): the line below, else the default.
    }
  }
  const m = /^\s*"?stateDir"?\s*:\s*["']?([^"'\n#,]+?)["']?\s*,?\s*(?:#.*)?$/m.exec(text);
  return m ? { stateDir: m[1]!.trim() } : null;
}

/** A state directory named on purpose that is a file: a wrong word on the command line, not a daemon that is down. */
export class StateDirNotDirectory extends Error {}

/**
 * Why `dir` can never be a state directory (it is a file, or under one), or undefined: `--state-dir ./clawback.yaml`
 * said "the daemon is not running (daemon.json unreadable: ENOTDIR ...)" and offered to start one there.
 */
function notADirectory(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : 'is a file, not a directory';
  } catch (err) {
    // Missing or unreadable: the daemon lookup says what it finds.
    return (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'is under a file, not a directory' : undefined;
  }
}

/** `dir`, named on the command line or in the environment as `named`, unless it is a file (StateDirNotDirectory). */
function namedStateDir(dir: string, named: string): string {
  const why = notADirectory(dir);
  if (why) throw new StateDirNotDirectory(`${named} ${dir} ${why} (ENOTDIR); name the state directory (default ~/.clawback)`);
  return dir;
}

/** Flag, env, the config file's stateDir, then ~/.clawback — without failing on an invalid config (a config file named by flag or env that cannot be read fails: ConfigError; a named state directory that is a file: StateDirNotDirectory). */
export function clientStateDir(opts: GlobalOpts): string {
  if (opts.stateDir) return namedStateDir(typedPath(opts.stateDir), '--state-dir');
  if (process.env.CLAWBACK_STATE_DIR) return namedStateDir(typedPath(process.env.CLAWBACK_STATE_DIR), '$CLAWBACK_STATE_DIR');
  const file = findConfigFile(opts.config ? { file: opts.config } : {});
  const named = opts.config !== undefined || !!process.env.CLAWBACK_CONFIG;
  if (file) {
    let fromFile: string | undefined;
    try {
      // Never a plain read: a FIFO in the config's place (no writer) blocked open() for ever, Ctrl-C and SIGTERM unheard
      // (`clawback run` and `status` hung; the loader names it instead), and a pipe's bytes read here were the loader's.
      const raw = stateDirLine(readRegularFileSync(file, { maxBytes: MAX_CONFIG_BYTES }).toString('utf8'));
      if (raw && typeof raw.stateDir === 'string') {
        fromFile = path.resolve(path.dirname(file), expandHome(raw.stateDir));
      }
    } catch (err) {
      // A file named on purpose (--config, $CLAWBACK_CONFIG) that cannot be read is a typo or a moved file: the default
      // state directory may belong to another daemon, which must not get this command (a `stop` went to it, exit 0).
      if (named) {
        // A live daemon that claimed this path runs it still (the file was moved or deleted under it): that daemon is meant.
        const claim = readConfigClaim(file);
        if (claim) return claim.stateDir;
        throw new ConfigError(file, [{ path: '(file)', message: unreadableConfigText(file, err) }]);
      }
      // A ./clawback.yaml that cannot be read: fall back to the default state directory.
    }
    if (fromFile !== undefined) {
      const why = notADirectory(fromFile);
      if (why) throw new ConfigError(file, [{ path: 'stateDir', message: `${fromFile} ${why}` }]);
      return fromFile;
    }
  }
  return path.join(os.homedir(), '.clawback');
}

/**
 * Why a named config cannot be read, and what to do: create it (when missing), or reach one of the live daemons listed.
 * "(file): cannot read: no such file or directory (ENOENT)" alone left the person with no command to try.
 */
function unreadableConfigText(file: string, err: unknown): string {
  // A directory keeps the words every reader of the config uses for it (EISDIR); a FIFO or a device is named as such.
  if (err instanceof NotRegularFileError && err.kind === 'a directory') err = Object.assign(new Error(err.message), { code: 'EISDIR' });
  else if (err instanceof NotRegularFileError || err instanceof FileTooLargeError) return `${err.message}; no live daemon runs it; ${liveDaemonsText()}`;
  const create = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `; create it with: ${cliHint(['init'], { config: file })}` : '';
  return `cannot read: ${errnoText(err)}; no live daemon runs it${create}; ${liveDaemonsText()}`;
}

export class DaemonUnreachable extends Error {}

/** The CLI process itself could not open the connection (EMFILE, ENFILE): the daemon's state is unknown, not "not responding". */
export class ClientOutOfFiles extends Error {}

/** The daemon answered 401: the CLI has no usable token, or not the one the daemon holds. */
export class TokenRefused extends Error {}

/** The daemon rewrites daemon.json every 2 s; three missed beats mean it is not answering. */
export const HEARTBEAT_STALE_MS = 6_000;

/** The monotonic clock in ms, as performance.now() but without loading perf_hooks (~1 ms of `status`'s start-up). */
const hrtimeMs = (): number => Number(process.hrtime.bigint()) / 1e6;
/** How long a daemon with a stale heartbeat gets to answer anyway before the CLI says it is not responding. */
export const STALE_ANSWER_MS = 800;
/** Ordinary request timeout for a daemon with a fresh heartbeat (a busy daemon may be slow). */
export const REQUEST_TIMEOUT_MS = 15_000;

export interface Client {
  info: DaemonInfo;
  stateDir: string;
  get<T>(p: string): Promise<T>;
  /** timeoutMs: for requests that take long on purpose (a rolling restart); default REQUEST_TIMEOUT_MS. */
  post<T>(p: string, opts?: { timeoutMs?: number }): Promise<{ status: number; body: T }>;
}

/** How often a request in flight re-reads daemon.json to see whether the daemon still beats. */
export const HEARTBEAT_WATCH_MS = 500;

export interface ConnectDeps {
  now?: () => number;
  /** A clock that never steps (performance.now): how long the heartbeat has stood still while the CLI waits. */
  monotonic?: () => number;
  isAlive?: (pid: number) => boolean;
  startTimeOf?: (pid: number) => number | null | undefined;
  sleep?: (ms: number) => Promise<void>;
  /** How long to wait for a starting daemon (default START_WAIT_MS). */
  startWaitMs?: number;
}

export async function connect(opts: GlobalOpts, deps: ConnectDeps = {}): Promise<Client> {
  const stateDir = clientStateDir(opts);
  const read = readDaemonInfoSync(stateDir);
  // A hint that starts or revives the daemon runs what the guardian would (revive-config): the config daemon.json says
  // it ran and its --api-port. Without them, pasted from another directory, `run` started the embedded demo in this
  // state directory (on OpenClaw's port) and left the user's services unsupervised. A recorded file that is gone is
  // still named: `run` then says so, where the demo would start quietly.
  const revive = reviveConfig({ flag: opts.config, stateDir, info: read.info, exists: () => true });
  // A config found by the search (./clawback.yaml) is named too: the hint pasted elsewhere started the embedded demo.
  const ranConfig = revive.source === 'flag' ? opts.config : revive.configPath;
  const withConfig = ranConfig ? { config: ranConfig } : {};
  const override = revive.apiPort;
  // Built only for an error message: it walks PATH and resolves symlinks.
  const start = (): string => cliHint(['run', ...(override !== undefined ? ['--api-port', String(override)] : [])], { stateDir, ...withConfig }) + startLoopNote(stateDir);
  const demoHint = (): string => {
    const port = process.env.CLAWBACK_DEMO_PORT || '18789';
    return (
      `no config file was named or found (no --config, $CLAWBACK_CONFIG or clawback.yaml in ${process.cwd()}), so \`run\` here would start ` +
      `the embedded demo (a demo gateway on port ${port}) in ${stateDir}, not your services; ${liveDaemonsText()}; ` +
      `if the demo is what you want, start it with: ${start()}`
    );
  };
  /** The way to start it, unless the config it would run does not load (the pasted `run` exited 78): then that first. */
  const startHint = async (): Promise<string> => {
    const file = revive.configPath;
    // Nothing named, nothing found, no record of a daemon here: the pasted `run` would start the demo, not their services.
    if (file === undefined && revive.source === 'search') return demoHint();
    const bad = file !== undefined ? await runConfigProblem(file) : undefined;
    if (!bad) return `start it with: ${start()}`;
    const more = bad.count > 1 ? ` and ${bad.count - 1} more` : '';
    return `it cannot start with ${file} either, which does not load (${bad.first}${more}): fix the file (see every problem with: ${cliHint(['validate'], { config: file })}), then start it with: ${start()}`;
  };
  if (!read.info) {
    // The config file's stateDir changed under a running daemon: that daemon still serves the file, from its old directory.
    const file = opts.stateDir || process.env.CLAWBACK_STATE_DIR ? undefined : findConfigFile(opts.config ? { file: opts.config } : {});
    const claim = file ? readConfigClaim(file) : undefined;
    if (claim && claim.stateDir !== stateDir && readDaemonInfoSync(claim.stateDir).info) return connect({ ...opts, stateDir: claim.stateDir }, deps);
    // A daemon that cannot write daemon.json (a disk full to the last block) announces itself by its alive marker, the
    // one `run` refuses a second daemon by: without this, status said "not running" and offered to start another.
    const presence = await readDaemonPresence(stateDir, recordedDaemonLives);
    if (presence.info && presence.marker) {
      const now = deps.now?.() ?? Date.now();
      throw new DaemonUnreachable(
        `the clawback daemon (pid ${presence.info.pid}) is running, degraded: it cannot write ${path.join(stateDir, 'daemon.json')} ` +
          `(${read.reason === 'missing' ? 'missing' : `unreadable: ${read.detail ?? read.reason}`}; a full disk or a read-only state dir?), so its API address is unknown and nothing was sent; ` +
          `it announces itself by ${path.join(stateDir, presence.marker)} (last heartbeat ${heartbeatAge(presence.info.heartbeatAt, now)}); ` +
          `make room in ${stateDir} (df -h ${stateDir}) and see its own output (its terminal or its service manager's log) for its DAEMON DEGRADED lines; ` +
          `it writes daemon.json again once it can; do not start a second one`,
      );
    }
    // A live process holds daemon.lock: a daemon starting, which writes daemon.json once its API is bound.
    const probe = { isAlive: deps.isAlive ?? isAlive, startTimeOf: deps.startTimeOf ?? processStartTime };
    const starting = startingDaemon(stateDir, probe);
    const startingPid = starting?.pid;
    if (startingPid !== undefined) {
      const waited = await waitForStartingDaemon(stateDir, startingPid, {
        ...probe,
        monotonic: deps.monotonic ?? hrtimeMs,
        sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        ...(deps.startWaitMs !== undefined ? { waitMs: deps.startWaitMs } : {}),
      });
      if (waited.kind === 'ready') return connect(opts, deps);
      if (waited.kind === 'still-starting') {
        const now = deps.now?.() ?? Date.now();
        const since = starting?.since !== undefined ? ` since ${localStamp(starting.since)} (${heartbeatAge(starting.since, now)})` : '';
        const waitedText = waited.waitedMs >= START_POLL_MS ? ` after ${(waited.waitedMs / 1000).toFixed(1)} s of waiting` : '';
        throw new DaemonUnreachable(
          `the clawback daemon (pid ${waited.pid}) is starting: it holds ${path.join(stateDir, 'daemon.lock')}${since} but has not finished booting its services${waitedText} ` +
            `(no daemon.json yet: still booting, or hung before its API was bound); nothing was sent, try again shortly`,
        );
      }
    }
    const why = read.reason === 'missing' ? 'no daemon.json' : `daemon.json unreadable: ${read.detail ?? read.reason}`;
    const left = leftRunningText(runningServices(stateDir, isSameProcess));
    throw new DaemonUnreachable(`the clawback daemon is not running (${why} in ${stateDir})${left}; ${await startHint()}`);
  }
  const now = deps.now?.() ?? Date.now();
  const age = heartbeatAge(read.info.heartbeatAt, now);
  // The heartbeat answers at once what a request would only answer after its timeout.
  const verdict = assessDaemon(read.info, {
    now,
    staleAfterMs: HEARTBEAT_STALE_MS,
    isAlive: deps.isAlive ?? isAlive,
    startTimeOf: deps.startTimeOf ?? processStartTime,
    mayBeDaemon: pidMayBeRecordedDaemon,
  });
  if (verdict === 'dead' || verdict === 'recycled-pid') {
    const what = verdict === 'dead' ? `its pid ${read.info.pid} is gone` : `its pid ${read.info.pid} now belongs to another process`;
    const left = leftRunningText(runningServices(stateDir, isSameProcess));
    throw new DaemonUnreachable(`the clawback daemon is not running (${what}; last heartbeat ${age})${left}; ${await startHint()}`);
  }
  const stale = verdict === 'stale';
  const info = read.info;
  const token = readToken(stateDir);
  const base = `http://${urlHost(info.api.host)}:${info.api.port}`;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  // What the OS says of it (stopped, out of open files...), read only when it is said.
  const why = (): string => staleCause(info.pid, readStaleFacts(info.pid));
  const hung = (): string => `; its last heartbeat was ${age}, so ${why()}; revive it with: ${cliHint(['guardian', '--once'], { stateDir, ...withConfig })}`;
  let awake = !stale;
  /** What is true of a daemon whose request failed because it is stopping or has ended (daemon-ended.ts), else undefined. */
  const ended = async (err: unknown): Promise<string | undefined> => {
    const facts = readEndFacts(stateDir, info.pid, info.startedAt, (pid) => isSameProcess(pid, info.pidStartTime), isSameProcess);
    // A live daemon whose heartbeat is stale is not shutting down (a shutdown keeps beating until the process exits): it
    // is hung, stopped (state T) or out of open files, which the stale answer names.
    if (facts.alive && stale && !awake) return undefined;
    const text = endedText(facts, socketClosed(err));
    if (text === undefined) return undefined;
    return facts.alive ? `${text}; nothing more to ask it (check again with: ${cliHint(['status'], { stateDir, ...withConfig })})` : `${text}; ${await startHint()}`;
  };
  const monotonic = deps.monotonic ?? hrtimeMs;
  /**
   * Aborts a request whose daemon stops beating while the CLI waits (its event loop hung after the heartbeat was
   * read): a daemon that beats is busy and keeps its full timeout; one whose heartbeat stands still until it is stale
   * is answered as hung then, not after 15 s. Measured on the monotonic clock from the heartbeat's age at the start,
   * so a wall-clock step while waiting neither cuts a live daemon short nor keeps a hung one waited for.
   */
  const watchHeartbeat = (): { signal: AbortSignal; stop: () => void } => {
    const ctl = new AbortController();
    let beatAt = info.heartbeatAt;
    let since = monotonic() - Math.max(0, (deps.now?.() ?? Date.now()) - beatAt);
    const timer = setInterval(() => {
      const seen = readDaemonInfoSync(stateDir).info;
      if (seen && (seen.pid !== info.pid || seen.heartbeatAt !== beatAt)) {
        beatAt = seen.heartbeatAt;
        since = monotonic() - Math.max(0, (deps.now?.() ?? Date.now()) - beatAt);
        return;
      }
      const stillMs = monotonic() - since;
      if (stillMs > HEARTBEAT_STALE_MS) {
        ctl.abort(new Error(`no heartbeat for ${Math.round(stillMs / 1000)} s while waiting for its answer, so ${why()}; revive it with: ${cliHint(['guardian', '--once'], { stateDir, ...withConfig })}`));
      }
    }, HEARTBEAT_WATCH_MS);
    timer.unref();
    return { signal: ctl.signal, stop: () => clearInterval(timer) };
  };
  const call = async (method: string, p: string, longMs?: number): Promise<{ status: number; text: string }> => {
    // A request left in a stopped daemon's socket is carried out when it wakes: a change is sent only once it answers.
    if (!awake && method !== 'GET') {
      try {
        await apiRequest({ host: info.api.host, port: info.api.port, method: 'GET', path: '/healthz', headers, timeoutMs: STALE_ANSWER_MS });
        awake = true;
      } catch (err) {
        const end = await ended(err);
        if (end !== undefined) throw new DaemonUnreachable(`${end}; nothing was sent`);
        throw new DaemonUnreachable(`the clawback daemon (pid ${info.pid}) is not responding at ${base}: ${(err as Error).message}; nothing was sent${hung()}`);
      }
    }
    const timeoutMs = awake ? (longMs ?? REQUEST_TIMEOUT_MS) : STALE_ANSWER_MS;
    const watch = awake ? watchHeartbeat() : undefined;
    try {
      return await apiRequest({ host: info.api.host, port: info.api.port, method, path: p, headers, timeoutMs, ...(watch ? { signal: watch.signal } : {}) });
    } catch (err) {
      // This process's own limit, not the daemon's silence: "not responding" sent people to a daemon that was fine.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EMFILE' || code === 'ENFILE') {
        const whose = code === 'EMFILE' ? 'this command has used all the open files its limit allows (raise `ulimit -n`)' : 'the system has used all its open files (fs.file-max)';
        throw new ClientOutOfFiles(`cannot connect to the clawback daemon (pid ${info.pid}) at ${base}: ${whose} (${code}); the daemon was not reached${method !== 'GET' ? ' and nothing was sent' : ''}`);
      }
      const end = await ended(err);
      if (end !== undefined) throw new DaemonUnreachable(`${end}${method !== 'GET' ? `; the request (${method} ${p}) got no answer` : ''}`);
      const sent = method !== 'GET' ? `; the request was sent, so the daemon may still carry it out when it answers again (check with: ${cliHint(['status'], { stateDir, ...(opts.config ? { config: opts.config } : {}) })})` : '';
      throw new DaemonUnreachable(`the clawback daemon (pid ${info.pid}) is not responding at ${base}: ${(err as Error).message}${sent}${stale && !awake ? hung() : ''}`);
    } finally {
      watch?.stop();
    }
  };
  // A 401 says which of two things is wrong: no token to send, or one the daemon does not hold.
  const refused = (sent: string | undefined = token): TokenRefused => {
    const file = tokenPath(stateDir);
    return new TokenRefused(
      sent === undefined
        ? `no usable API token in ${file} (missing, unreadable, shorter than 16 characters, or holding a control character or one an HTTP header cannot carry); the daemon (pid ${info.pid}) writes its token back when the file is missing: remove a file that is there and run the command again (if it stays missing, the daemon could not write it: see its log, or restart the daemon)`
        : `the daemon (pid ${info.pid}, ${base}) refused the API token in ${file}: it is not the token the daemon read at its start (the file changed since); put the old one back or restart the daemon`,
    );
  };
  const answered = async (method: string, p: string, longMs?: number): Promise<{ status: number; text: string }> => {
    const res = await call(method, p, longMs);
    if (res.status !== 401) return res;
    // The token file deleted under a running daemon: the daemon writes its token back on this refusal; asked once more
    // with it (the refused request did nothing).
    const restored = token === undefined ? readToken(stateDir) : undefined;
    if (restored === undefined) throw refused();
    headers.authorization = `Bearer ${restored}`;
    const again = await call(method, p, longMs);
    if (again.status === 401) throw refused(restored);
    return again;
  };
  return {
    info,
    stateDir,
    async get<T>(p: string): Promise<T> {
      const res = await answered('GET', p);
      if (res.status < 200 || res.status >= 300) throw new Error(`GET ${p}: HTTP ${res.status} ${res.text}`);
      return JSON.parse(res.text) as T;
    },
    async post<T>(p: string, o?: { timeoutMs?: number }): Promise<{ status: number; body: T }> {
      const res = await answered('POST', p, o?.timeoutMs);
      return { status: res.status, body: JSON.parse(res.text) as T };
    },
  };
}

/**
 * Why the guardian no longer starts the daemon (its last starts all died before it started), said where status says
 * "not running": without it the person read "start it with run" while the guardian had given up, and why was only in
 * its alert of an hour ago. Empty when the guardian still starts it.
 */
function startLoopNote(stateDir: string): string {
  const loop = readStartAttempt(stateDir);
  if (!loop || loop.count < GUARDIAN_START_LOOP_ATTEMPTS) return '';
  return (
    `. The guardian no longer starts it: its last ${loop.count} starts all died before it started (the latest, pid ${loop.pid} at ${new Date(loop.at).toISOString()}, while ${loop.phase}; ` +
    `${path.join(stateDir, START_ATTEMPTS_FILE)}); look at ${path.join(stateDir, 'logs', 'daemon.out.log')} before starting it, or remove that file to let the guardian start it again`
  );
}
