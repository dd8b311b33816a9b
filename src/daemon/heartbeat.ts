// The daemon's proof of life: daemon.json rewritten atomically on a timer, and the pure verdict the guardian draws from it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock, TimerHandle } from '../platform/clock.js';
import { removeStaleTemps, writeFileAtomic } from '../platform/atomic-write.js';

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
  /** /proc/<pid>/stat field 22 (clock ticks since boot), or null where /proc does not exist. */
  pidStartTime: number | null;
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
  if (o.pidStartTime !== null && !isNum(o.pidStartTime)) return 'pidStartTime: expected a number or null';
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
  let text: string;
  try {
    text = await fs.readFile(daemonInfoPath(stateDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { info: null, reason: 'missing' };
    return { info: null, reason: 'corrupt', detail: (err as Error).message };
  }
  return parseDaemonInfo(text);
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
    info: { pid: o.pid, startedAt: o.startedAt, version: o.version, api: { host: o.api.host, port: o.api.port }, heartbeatAt: o.heartbeatAt, configPath: o.configPath, pidStartTime: o.pidStartTime },
  };
}

function daemonInfoText(info: DaemonInfo): string {
  return `${JSON.stringify(info, null, 2)}\n`;
}

/** Writes daemon.json atomically (temp file, fsync, rename), mode 0600. */
export async function writeDaemonInfo(stateDir: string, info: DaemonInfo): Promise<void> {
  await writeFileAtomic(daemonInfoPath(stateDir), daemonInfoText(info), { mode: 0o600 });
}

function isOutOfSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'ESHORTWRITE';
}

/**
 * On a full disk the atomic path needs a new file and fails. A heartbeat differs from the previous one only in
 * the digits of heartbeatAt, so the same number of bytes is rewritten in place (blocks already allocated) and the
 * guardian still sees a live daemon instead of killing one that is supervising. When the size differs (a new
 * daemon on a disk that was already full: the previous daemon's file) the file is truncated first, which frees
 * the blocks the new text needs; otherwise the guardian would see a dead daemon and start a second one.
 */
async function rewriteInPlace(file: string, text: string): Promise<boolean> {
  const buf = Buffer.from(text, 'utf8');
  const handle = await fs.open(file, 'r+');
  try {
    if ((await handle.stat()).size !== buf.length) await handle.truncate(0);
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await handle.write(buf, off, buf.length - off, off);
      if (bytesWritten <= 0) return false;
      off += bytesWritten;
    }
    await handle.sync();
    return true;
  } finally {
    await handle.close();
  }
}

/** Removes daemon.json only if it still names this pid (a clean shutdown must not erase a successor's file). */
export async function removeDaemonInfo(stateDir: string, pid: number): Promise<boolean> {
  const current = await readDaemonInfo(stateDir);
  if (!current.info || current.info.pid !== pid) return false;
  await fs.rm(daemonInfoPath(stateDir), { force: true });
  return true;
}

export interface HeartbeatOptions {
  stateDir: string;
  clock: Clock;
  /** Default 2000. */
  intervalMs?: number;
  /** The info to write; heartbeatAt is overwritten with clock.now() at each write. */
  info: () => DaemonInfo;
  /** Called when a write fails (the heartbeat keeps going). */
  onError?: (err: unknown) => void;
  /** Called after each successful write (clears a degraded heartbeat). */
  onWritten?: () => void;
}

export interface Heartbeat {
  /** Stops the timer and waits for an in-flight write. Idempotent. */
  stop(): Promise<void>;
  /** Writes one heartbeat now (also used for the first write). */
  beat(): Promise<void>;
}

/** An observer's exception must not stop the heartbeat. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // ignored: see above
  }
}

/** Writes daemon.json at once and then every intervalMs until stop(); writes never overlap. */
export function startHeartbeat(opts: HeartbeatOptions): Heartbeat {
  const intervalMs = opts.intervalMs ?? 2000;
  let stopped = false;
  let timer: TimerHandle | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  removeStaleTemps(daemonInfoPath(opts.stateDir)); // left by a daemon killed mid-write

  const writeOnce = async (): Promise<void> => {
    const info = { ...opts.info(), heartbeatAt: opts.clock.now() };
    try {
      await writeDaemonInfo(opts.stateDir, info);
    } catch (err) {
      let reported = err;
      if (isOutOfSpace(err) && (await rewriteInPlace(daemonInfoPath(opts.stateDir), daemonInfoText(info)).catch(() => false))) {
        const e = err as NodeJS.ErrnoException;
        reported = Object.assign(new Error(`${e.message} (daemon.json kept fresh by an in-place rewrite)`), { code: e.code });
      }
      safely(() => opts.onError?.(reported));
      return;
    }
    safely(() => opts.onWritten?.());
  };
  const beat = (): Promise<void> => {
    inFlight = inFlight.then(writeOnce);
    return inFlight;
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = opts.clock.setTimeout(() => {
      void beat().then(schedule);
    }, intervalMs);
  };

  void beat().then(schedule);
  return {
    beat,
    async stop() {
      stopped = true;
      timer?.cancel();
      timer = undefined;
      await inFlight;
    },
  };
}

export type DaemonState = 'running' | 'dead' | 'stale' | 'missing' | 'recycled-pid';

export interface AssessDeps {
  /** Epoch ms. */
  now: number;
  staleAfterMs: number;
  isAlive: (pid: number) => boolean;
  /** Start time of the pid in the same unit as DaemonInfo.pidStartTime; null/undefined when unknown. */
  startTimeOf: (pid: number) => number | null | undefined;
}

/**
 * The guardian's verdict on daemon.json (pure given its deps):
 * missing (no info), dead (pid gone), recycled-pid (pid alive but another process), stale (alive, heartbeat old), running.
 */
export function assessDaemon(info: DaemonInfo | null, deps: AssessDeps): DaemonState {
  if (!info) return 'missing';
  if (!deps.isAlive(info.pid)) return 'dead';
  if (info.pidStartTime !== null) {
    const actual = deps.startTimeOf(info.pid);
    if (actual !== null && actual !== undefined && actual !== info.pidStartTime) return 'recycled-pid';
  }
  if (deps.now - info.heartbeatAt > deps.staleAfterMs) return 'stale';
  return 'running';
}
