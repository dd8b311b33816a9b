// daemon.json as a reader sees it (the CLI, the guardian, the drill): its shape, a tolerant read and the pure verdict
// on it, apart from the heartbeat's writer so that reading it loads no write path (issue 19: `status` start-up).
import { promises as fs } from 'node:fs';
import { readRegularFile, readRegularFileSync } from '../platform/read-regular.js';
import path from 'node:path';

export const DAEMON_INFO_FILE = 'daemon.json';

/** Contents of `<stateDir>/daemon.json`. */
export interface DaemonInfo {
  pid: number;
  /** Epoch ms when the daemon started. */
  startedAt: number;
  version: string;
  api: { host: string; port: number };
  /** Epoch ms of the last heartbeat write. */
  heartbeatAt: number;
  configPath: string;
  /** The `--api-port` it was started with (0: any free port), absent when api.port of its config applied: a daemon
   *  started again for this state dir is given it too, or the demo came back on another port than it had. */
  apiPortOverride?: number;
  /** /proc/<pid>/stat field 22 (clock ticks since boot), or null where /proc does not exist. */
  pidStartTime: number | null;
  /**
   * Set once the daemon's stop began (written at once, then with each beat until daemon.json is removed): when, and how
   * long that stop may take (its stop waves' graces plus margins). A reader says "stopping", not "running", and the
   * guardian neither revives nor alerts within the bound; past it the stop is hung. onPurpose: a person's stop (a
   * SIGTERM, `systemctl stop`), which daemon.stopped says only at its very end: a stop hung past its bound, or killed
   * mid-way, is not undone by the guardian. bootId: the boot it began in (a shutdown's stop says nothing after it).
   */
  stopping?: { since: number; boundMs: number; onPurpose?: boolean; bootId?: string };
}

/** A plain shape check (no schema library: every CLI command reads this file). */
function daemonInfoProblem(v: unknown): string | undefined {
  if (!v || typeof v !== 'object') return 'not an object';
  const o = v as Record<string, unknown>;
  const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (!Number.isInteger(o.pid) || (o.pid as number) <= 0) return 'pid: expected a positive integer';
  if (!isNum(o.startedAt)) return 'startedAt: expected a number';
  if (typeof o.version !== 'string') return 'version: expected a string';
  const api = o.api as Record<string, unknown> | undefined;
  if (!api || typeof api.host !== 'string' || !Number.isInteger(api.port) || (api.port as number) < 0 || (api.port as number) > 65535) return 'api: expected {host, port}';
  if (!isNum(o.heartbeatAt)) return 'heartbeatAt: expected a number';
  if (typeof o.configPath !== 'string') return 'configPath: expected a string';
  if (o.apiPortOverride !== undefined && (!Number.isInteger(o.apiPortOverride) || (o.apiPortOverride as number) < 0 || (o.apiPortOverride as number) > 65535)) return 'apiPortOverride: expected a port';
  if (o.pidStartTime !== null && !isNum(o.pidStartTime)) return 'pidStartTime: expected a number or null';
  const st = o.stopping as Record<string, unknown> | undefined;
  if (st !== undefined && (!st || typeof st !== 'object' || !isNum(st.since) || !isNum(st.boundMs) || st.boundMs < 0)) return 'stopping: expected {since, boundMs}';
  if (st !== undefined && ((st.onPurpose !== undefined && typeof st.onPurpose !== 'boolean') || (st.bootId !== undefined && typeof st.bootId !== 'string'))) return 'stopping: expected onPurpose a boolean, bootId a string';
  return undefined;
}

export function daemonInfoPath(stateDir: string): string {
  return path.join(stateDir, DAEMON_INFO_FILE);
}

/** What reading daemon.json gave: the info, or null and why. */
export type DaemonInfoRead =
  | { info: DaemonInfo; reason?: undefined }
  | { info: null; reason: 'missing' | 'corrupt'; detail?: string };

/** Reads daemon.json; a missing file gives `{info: null, reason: 'missing'}`, a corrupted one `reason: 'corrupt'`. */
export async function readDaemonInfo(stateDir: string): Promise<DaemonInfoRead> {
  try {
    return parseDaemonInfo((await readRegularFile(daemonInfoPath(stateDir))).toString('utf8'));
  } catch (err) {
    return unreadable(err);
  }
}

/**
 * The same read, synchronous: for a short-lived CLI command, where an async read would start libuv's
 * thread pool (four threads) for one small file (issue 19: `status`).
 */
export function readDaemonInfoSync(stateDir: string): DaemonInfoRead {
  try {
    return parseDaemonInfo(readRegularFileSync(daemonInfoPath(stateDir)).toString('utf8'));
  } catch (err) {
    return unreadable(err);
  }
}

function unreadable(err: unknown): DaemonInfoRead {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { info: null, reason: 'missing' };
  return { info: null, reason: 'corrupt', detail: (err as Error).message };
}

/**
 * Where daemon.json cannot be created (a disk full to the last block), the daemon announces itself with an empty file
 * (an inode, no data block) named after its pid and start time; the file's mtime is its heartbeat.
 */
export function aliveMarkerName(pid: number, pidStartTime: number | null): string {
  return `daemon.${pid}.${pidStartTime ?? 'x'}.alive`;
}

/** The pid and start time an alive marker's name gives, or undefined for any other file name (pure). */
export function parseAliveMarker(name: string): { pid: number; pidStartTime: number | null } | undefined {
  const m = /^daemon\.(\d{1,10})\.(\d{1,20}|x)\.alive$/.exec(name);
  if (!m) return undefined;
  return { pid: Number(m[1]), pidStartTime: m[2] === 'x' ? null : Number(m[2]) };
}

/**
 * daemon.json when it names a live daemon; otherwise (missing, corrupt, or its pid gone) the freshest alive marker of a
 * live daemon, as a DaemonInfo whose heartbeatAt is the marker's mtime (its API address is unknown: port 0).
 * Without it a daemon on a full disk looks missing, and the guardian would start a second one beside it.
 */
export async function readDaemonPresence(
  stateDir: string,
  isSame: (pid: number, pidStartTime: number | null, startedAt: number) => boolean,
): Promise<DaemonInfoRead & { marker?: string }> {
  const read = await readDaemonInfo(stateDir);
  if (read.info && isSame(read.info.pid, read.info.pidStartTime, read.info.startedAt)) return read;
  let best: { info: DaemonInfo; marker: string } | undefined;
  for (const name of await fs.readdir(stateDir).catch(() => [] as string[])) {
    const who = parseAliveMarker(name);
    if (!who) continue;
    const st = await fs.stat(path.join(stateDir, name)).catch(() => undefined);
    if (!st || !isSame(who.pid, who.pidStartTime, st.birthtimeMs || st.mtimeMs) || (best && best.info.heartbeatAt >= st.mtimeMs)) continue;
    const info: DaemonInfo = { pid: who.pid, startedAt: st.birthtimeMs || st.mtimeMs, version: '', api: { host: '', port: 0 }, heartbeatAt: st.mtimeMs, configPath: '', pidStartTime: who.pidStartTime };
    best = { info, marker: name };
  }
  return best ?? read;
}

function stoppingOf(st: NonNullable<DaemonInfo['stopping']>): NonNullable<DaemonInfo['stopping']> {
  return { since: st.since, boundMs: st.boundMs, ...(st.onPurpose !== undefined ? { onPurpose: st.onPurpose } : {}), ...(st.bootId !== undefined ? { bootId: st.bootId } : {}) };
}

/** Parses and validates daemon.json text (pure). */
export function parseDaemonInfo(text: string): DaemonInfoRead {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { info: null, reason: 'corrupt', detail: `not JSON: ${(err as Error).message}` };
  }
  const problem = daemonInfoProblem(raw);
  if (problem) return { info: null, reason: 'corrupt', detail: problem };
  const o = raw as DaemonInfo;
  return {
    info: { pid: o.pid, startedAt: o.startedAt, version: o.version, api: { host: o.api.host, port: o.api.port }, heartbeatAt: o.heartbeatAt, configPath: o.configPath, ...(o.apiPortOverride !== undefined ? { apiPortOverride: o.apiPortOverride } : {}), pidStartTime: o.pidStartTime, ...(o.stopping ? { stopping: stoppingOf(o.stopping) } : {}) },
  };
}

export type DaemonState = 'running' | 'stopping' | 'stop-hung' | 'dead' | 'stale' | 'missing' | 'recycled-pid';

export interface AssessDeps {
  /** Epoch ms. */
  now: number;
  staleAfterMs: number;
  isAlive: (pid: number) => boolean;
  /** Start time of the pid in the same unit as DaemonInfo.pidStartTime; null/undefined when unknown. */
  startTimeOf: (pid: number) => number | null | undefined;
  /** With no start time recorded: whether the live pid may be the daemon the record names (false: a reused pid). */
  mayBeDaemon?: (pid: number, recordStartedAt: number) => boolean;
}

/**
 * The guardian's verdict on daemon.json (pure given its deps):
 * missing (no info), dead (pid gone), recycled-pid (pid alive but another process), stopping (its stop under way, within
 * the bound daemon.json names), stop-hung (past it), stale (alive, heartbeat old or dated in the future), running.
 */
export function assessDaemon(info: DaemonInfo | null, deps: AssessDeps): DaemonState {
  if (!info) return 'missing';
  if (!deps.isAlive(info.pid)) return 'dead';
  if (info.pidStartTime !== null) {
    const actual = deps.startTimeOf(info.pid);
    if (actual !== null && actual !== undefined && actual !== info.pidStartTime) return 'recycled-pid';
  } else if (deps.mayBeDaemon && !deps.mayBeDaemon(info.pid, info.startedAt)) return 'recycled-pid';
  // A stop under way: within its bound it is no hung daemon (its beats end before its last steps); past it, hung.
  if (info.stopping) return Math.abs(deps.now - info.stopping.since) <= info.stopping.boundMs ? 'stopping' : 'stop-hung';
  // A heartbeat from the future proves nothing: the wall clock was set back since it was written (NTP, date -s), and a
  // daemon hung just before the step looked fresh for the size of the step. A live daemon's next beat (a second look)
  // tells the two apart.
  if (Math.abs(deps.now - info.heartbeatAt) > deps.staleAfterMs) return 'stale';
  return 'running';
}

/** The heartbeat's age for a message: "12 s ago", or how far in the future it is dated after the clock was set back. */
export function heartbeatAge(heartbeatAt: number, now: number): string {
  const s = Math.round((now - heartbeatAt) / 1000);
  return s >= 0 ? `${s} s ago` : `dated ${-s} s in the future (the clock was set back since)`;
}
