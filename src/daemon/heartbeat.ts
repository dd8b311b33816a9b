// The daemon's proof of life: daemon.json rewritten atomically on a timer (its reader side is daemon-info.ts).
import { promises as fs, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { delayToGrid, type Clock, type TimerHandle } from '../platform/clock.js';
import { removeStaleTemps, writeFileAtomic } from '../platform/atomic-write.js';
import { moveAsideNonFile } from '../platform/private-dir.js';
import { recordedDaemonLives } from './daemon-identity.js';
import { aliveMarkerName, daemonInfoPath, parseAliveMarker, readDaemonInfo, type DaemonInfo } from './daemon-info.js';

function daemonInfoText(info: DaemonInfo): string {
  return `${JSON.stringify(info, null, 2)}\n`;
}

/**
 * Writes daemon.json atomically (temp file, rename), mode 0600; durable (fsync of the file and the directory)
 * unless told otherwise: the periodic beats are not, since a beat lost to a power cut costs nothing (the next
 * daemon writes its own) while an fsync every 2 s forces a journal commit every 2 s.
 */
export async function writeDaemonInfo(stateDir: string, info: DaemonInfo, durable = true): Promise<void> {
  await writeFileAtomic(daemonInfoPath(stateDir), daemonInfoText(info), { mode: 0o600, durable });
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

/**
 * Alive markers (daemon-info.ts) of daemons that are gone: left by one killed while the disk was full. Gone by the rule
 * every reader of a marker uses (recordedDaemonLives, the marker's birth as its record's start): a marker without a start
 * time whose pid now runs another program (a reused pid) is a stranger's, and was kept for ever.
 */
function removeDeadMarkers(stateDir: string): void {
  let names: string[];
  try {
    names = readdirSync(stateDir);
  } catch {
    return;
  }
  for (const name of names) {
    const who = parseAliveMarker(name);
    if (!who) continue;
    const file = path.join(stateDir, name);
    const st = statSync(file, { throwIfNoEntry: false });
    if (st && !recordedDaemonLives(who.pid, who.pidStartTime, st.birthtimeMs || st.mtimeMs)) rmSync(file, { force: true });
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
  /** Default 2000; beats fall on multiples of it on the monotonic clock (shared with the other 2 s chores). */
  intervalMs?: number;
  /** The info to write; heartbeatAt is overwritten with clock.now() at each write. */
  info: () => DaemonInfo;
  /** Called when a write fails (the heartbeat keeps going). */
  onError?: (err: unknown) => void;
  /** Called after each successful write (clears a degraded heartbeat). */
  onWritten?: () => void;
  /** Called at each timed beat before its write (a full disk does not stop it): the daemon's pause check. */
  onTick?: () => void;
  /** Anything not a regular file (a directory, a FIFO, a link to /dev/zero) in daemon.json's place was moved aside (kept as evidence) so the heartbeat could be written. */
  onMovedAside?: (keptAs: string, was: string) => void;
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
  try {
    removeDeadMarkers(opts.stateDir);
  } catch {
    // best effort: a dead daemon's marker is ignored by every reader anyway
  }

  // Our alive marker, while daemon.json can neither be written nor rewritten in place (a full disk).
  let marker: string | undefined;
  const touchMarker = async (info: DaemonInfo): Promise<void> => {
    const file = path.join(opts.stateDir, aliveMarkerName(info.pid, info.pidStartTime));
    await (await fs.open(file, 'a', 0o600)).close();
    const t = new Date(info.heartbeatAt);
    await fs.utimes(file, t, t);
    marker = file;
  };
  const dropMarker = async (): Promise<void> => {
    const file = marker;
    marker = undefined;
    if (file) await fs.rm(file, { force: true }).catch(() => undefined);
  };

  /**
   * A directory in daemon.json's place (made by a person or a restore, at boot or later) fails every rename with
   * EISDIR: the daemon stayed degraded for good and every CLI call waited 10 s for a daemon "still starting"; a FIFO or a
   * link to /dev/zero there was replaced without a word. Anything not a regular file is moved aside as
   * daemon.json.corrupt-<time> (kept, named), as state.json's is, and the beat written (one lstat per beat).
   */
  const moveOddAside = (): void => {
    try {
      const moved = moveAsideNonFile(daemonInfoPath(opts.stateDir), opts.clock.now(), 'corrupt');
      if (moved) safely(() => opts.onMovedAside?.(moved.keptAs, moved.was));
    } catch {
      // not movable: the write below fails and says why
    }
  };

  // The first write (the daemon's address and pid) is durable; the beats after it only refresh heartbeatAt.
  let durable = true;
  const writeOnce = async (): Promise<void> => {
    const info = { ...opts.info(), heartbeatAt: opts.clock.now() };
    try {
      moveOddAside();
      await writeDaemonInfo(opts.stateDir, info, durable);
      durable = false;
    } catch (err) {
      let reported = err;
      const e = err as NodeJS.ErrnoException;
      if (isOutOfSpace(err) && (await rewriteInPlace(daemonInfoPath(opts.stateDir), daemonInfoText(info)).catch(() => false))) {
        reported = Object.assign(new Error(`${e.message} (daemon.json kept fresh by an in-place rewrite)`), { code: e.code });
        await dropMarker();
      } else if (await touchMarker(info).then(() => true, () => false)) {
        reported = Object.assign(new Error(`${e.message} (daemon.json could not be written; ${path.basename(marker!)} says this daemon is alive)`), { code: e.code });
      }
      safely(() => opts.onError?.(reported));
      return;
    }
    await dropMarker();
    safely(() => opts.onWritten?.());
  };
  const beat = (): Promise<void> => {
    inFlight = inFlight.then(writeOnce);
    return inFlight;
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = opts.clock.setTimeout(() => {
      safely(() => opts.onTick?.());
      void beat().then(schedule);
    }, delayToGrid(opts.clock, intervalMs));
  };

  void beat().then(schedule);
  return {
    beat,
    async stop() {
      stopped = true;
      timer?.cancel();
      timer = undefined;
      await inFlight;
      await dropMarker();
    },
  };
}
