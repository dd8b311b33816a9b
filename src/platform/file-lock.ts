// One writer at a time across processes: an O_EXCL lock file naming its owner, taken over when the owner is dead.
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from './clock.js';
import { isAlive, processStartTime } from './proc.js';

/** What a lock file holds. */
export interface LockOwner {
  pid: number;
  /** processStartTime(pid) when taken (null where unknown): tells a recycled pid from the owner. */
  startTime: number | null;
  /** Epoch ms. */
  acquiredAt: number;
  /** Random per acquisition, so release() only ever removes its own lock. */
  token: string;
}

export interface FileLockOptions {
  clock?: Clock;
  /** Poll interval while waiting in acquire() (default 100 ms). */
  pollMs?: number;
  /** A lock file that cannot be parsed (owner died mid-write) counts as abandoned after this age (default 10 s). */
  unreadableStaleMs?: number;
  /** Injected for tests; default from ./proc.js. */
  isAlive?: (pid: number) => boolean;
  startTimeOf?: (pid: number) => number | null | undefined;
}

export interface AcquireOptions {
  /** 0 (default) tries once. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The decision on an existing lock file (pure given its deps). */
export function isLockAbandoned(
  owner: LockOwner | null,
  fileAgeMs: number,
  deps: { isAlive: (pid: number) => boolean; startTimeOf: (pid: number) => number | null | undefined; unreadableStaleMs: number },
): boolean {
  // Dated in the future: the clock was set back since it was written (NTP, a board's clock restored from its last save
  // after a power cut), so it is no write in progress; read as an age, it kept the lock (a daemon out) for the step.
  if (!owner) return Math.abs(fileAgeMs) > deps.unreadableStaleMs;
  if (!deps.isAlive(owner.pid)) return true;
  if (owner.startTime !== null) {
    const actual = deps.startTimeOf(owner.pid);
    if (actual !== null && actual !== undefined && actual !== owner.startTime) return true;
  }
  return false;
}

function parseOwner(text: string): LockOwner | null {
  try {
    const raw = JSON.parse(text) as Partial<LockOwner>;
    if (typeof raw.pid !== 'number' || typeof raw.token !== 'string') return null;
    return {
      pid: raw.pid,
      startTime: typeof raw.startTime === 'number' ? raw.startTime : null,
      acquiredAt: typeof raw.acquiredAt === 'number' ? raw.acquiredAt : 0,
      token: raw.token,
    };
  } catch {
    return null;
  }
}

export class FileLock {
  private readonly clock: Clock;
  private readonly pollMs: number;
  private readonly unreadableStaleMs: number;
  private readonly alive: (pid: number) => boolean;
  private readonly startTimeOf: (pid: number) => number | null | undefined;
  private token: string | null = null;

  constructor(
    readonly path: string,
    opts: FileLockOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock();
    this.pollMs = opts.pollMs ?? 100;
    this.unreadableStaleMs = opts.unreadableStaleMs ?? 10_000;
    this.alive = opts.isAlive ?? isAlive;
    this.startTimeOf = opts.startTimeOf ?? processStartTime;
  }

  get held(): boolean {
    return this.token !== null;
  }

  /** Tries until timeoutMs (0 = once); true when this instance now holds the lock. */
  async acquire(opts: AcquireOptions = {}): Promise<boolean> {
    if (this.token) return true;
    const deadline = this.clock.monotonic() + (opts.timeoutMs ?? 0);
    for (;;) {
      if (await this.tryOnce()) return true;
      const left = deadline - this.clock.monotonic();
      if (left <= 0 || opts.signal?.aborted) return false;
      try {
        await this.clock.sleep(Math.min(this.pollMs, left), opts.signal);
      } catch {
        return false;
      }
    }
  }

  /** Who holds the lock now, if anyone (for reports). */
  async owner(): Promise<LockOwner | null> {
    try {
      return parseOwner(await fs.readFile(this.path, 'utf8'));
    } catch {
      return null;
    }
  }

  /** Removes the lock file if this instance holds it. Idempotent. */
  async release(): Promise<void> {
    const token = this.token;
    if (!token) return;
    this.token = null;
    const current = await this.owner();
    if (current?.token === token) await fs.rm(this.path, { force: true });
  }

  private async tryOnce(): Promise<boolean> {
    const owner: LockOwner = {
      pid: process.pid,
      startTime: this.startTimeOf(process.pid) ?? null,
      acquiredAt: this.clock.now(),
      token: randomBytes(12).toString('hex'),
    };
    if (await this.create(owner)) {
      this.token = owner.token;
      return true;
    }
    if (await this.removeIfAbandoned()) {
      if (await this.create(owner)) {
        this.token = owner.token;
        return true;
      }
    }
    return false;
  }

  private async create(owner: LockOwner): Promise<boolean> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      await handle.writeFile(JSON.stringify(owner));
    } catch (err) {
      // A full disk: an empty lock file left behind would keep others out until it ages (unreadableStaleMs).
      await handle.close().catch(() => undefined);
      await fs.rm(this.path, { force: true }).catch(() => undefined);
      throw err;
    }
    await handle.close();
    return true;
  }

  /**
   * Removes an abandoned lock file. To avoid two contenders both deleting (the second one deleting
   * the first one's fresh lock), the removal itself runs under a short-lived `<path>.takeover` lock and
   * re-reads the file under it.
   */
  private async removeIfAbandoned(): Promise<boolean> {
    const seen = await this.inspect();
    if (!seen || !this.abandoned(seen.owner, seen.ageMs)) return false;
    const takeoverPath = `${this.path}.takeover`;
    const me = JSON.stringify({ pid: process.pid, startTime: this.startTimeOf(process.pid) ?? null, acquiredAt: this.clock.now(), token: 'takeover' });
    let fd: fs.FileHandle;
    try {
      fd = await fs.open(takeoverPath, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Someone else is taking over; clear their marker only if they died doing it.
      const other = await this.inspect(takeoverPath);
      if (other && this.abandoned(other.owner, other.ageMs)) await fs.rm(takeoverPath, { force: true });
      return false;
    }
    try {
      try {
        await fd.writeFile(me);
      } finally {
        await fd.close();
      }
      const again = await this.inspect();
      if (!again) return true; // gone meanwhile: free to create
      const same = again.owner?.token === seen.owner?.token && again.text === seen.text;
      if (same && this.abandoned(again.owner, again.ageMs)) {
        await fs.rm(this.path, { force: true });
        return true;
      }
      return false;
    } finally {
      await fs.rm(takeoverPath, { force: true });
    }
  }

  private abandoned(owner: LockOwner | null, ageMs: number): boolean {
    return isLockAbandoned(owner, ageMs, { isAlive: this.alive, startTimeOf: this.startTimeOf, unreadableStaleMs: this.unreadableStaleMs });
  }

  private async inspect(file = this.path): Promise<{ owner: LockOwner | null; ageMs: number; text: string } | null> {
    try {
      const [text, stat] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
      return { owner: parseOwner(text), ageMs: this.clock.now() - stat.mtimeMs, text };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }
}
