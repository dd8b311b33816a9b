// One writer at a time across processes: an O_EXCL lock file naming its owner, taken over when the owner is dead.
import { promises as fs, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from './clock.js';
import { isAlive, processStartTime } from './proc.js';
import { readRegularFile, readRegularFileSync } from './read-regular.js';
import { errorNamingFile } from './error-context.js';

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
  /**
   * A lock file that cannot be parsed (owner died mid-write) counts as abandoned once this instance has watched it
   * unchanged for this long on the monotonic clock (default 10 s).
   */
  unreadableStaleMs?: number;
  /** Injected for tests; default from ./proc.js. */
  isAlive?: (pid: number) => boolean;
  startTimeOf?: (pid: number) => number | null | undefined;
  /**
   * For an owner that recorded no start time: whether the live pid may still be it (given when it took the lock). Absent:
   * any live pid is. A lock whose owner is told apart by more than its pid (a daemon's: its command line) passes the rule.
   */
  mayBeOwner?: (pid: number, acquiredAt: number) => boolean;
}

export interface AcquireOptions {
  /** 0 (default) tries once. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * How old an unreadable lock file is: by the wall clock (now minus its mtime; a step of the clock moves it either way)
 * and by the monotonic time this FileLock has watched this very file (same inode, mtime, size and content) unchanged.
 */
export interface UnreadableAge {
  wallMs: number;
  watchedMs: number;
}

/** The decision on an existing lock file (pure given its deps). */
export function isLockAbandoned(
  owner: LockOwner | null,
  age: UnreadableAge,
  deps: { isAlive: (pid: number) => boolean; startTimeOf: (pid: number) => number | null | undefined; unreadableStaleMs: number; mayBeOwner?: (pid: number, acquiredAt: number) => boolean },
): boolean {
  // Unreadable: abandoned once watched unchanged for the stale time. Its wall age is no proof: with the clock stepped
  // forward (or back, dating it in the future) since a live owner created it, a lock being written now reads as old.
  if (!owner) return age.watchedMs >= deps.unreadableStaleMs;
  if (!deps.isAlive(owner.pid)) return true;
  if (owner.startTime !== null) {
    const actual = deps.startTimeOf(owner.pid);
    if (actual !== null && actual !== undefined && actual !== owner.startTime) return true;
  } else if (deps.mayBeOwner && !deps.mayBeOwner(owner.pid, owner.acquiredAt)) return true;
  return false;
}

/** A lock file's text as its owner, null when it names none. */
export function parseOwner(text: string): LockOwner | null {
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
  private readonly mayBeOwner: ((pid: number, acquiredAt: number) => boolean) | undefined;
  private token: string | null = null;
  /** Per path: the unreadable lock file last seen there (identity) and when, on the monotonic clock, it was first seen. */
  private readonly unreadableSeen = new Map<string, { identity: string; since: number }>();

  constructor(
    readonly path: string,
    opts: FileLockOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock();
    this.pollMs = opts.pollMs ?? 100;
    this.unreadableStaleMs = opts.unreadableStaleMs ?? 10_000;
    this.alive = opts.isAlive ?? isAlive;
    this.startTimeOf = opts.startTimeOf ?? processStartTime;
    this.mayBeOwner = opts.mayBeOwner;
  }

  get held(): boolean {
    return this.token !== null;
  }

  /** This acquisition's token (null when not held): what the lock file names while it is still ours. */
  get ownToken(): string | null {
    return this.token;
  }

  /** Tries until timeoutMs (0 = once); true when this instance now holds the lock. */
  async acquire(opts: AcquireOptions = {}): Promise<boolean> {
    if (this.token) return true;
    const deadline = this.clock.monotonic() + (opts.timeoutMs ?? 0);
    for (;;) {
      if (await this.tryOnce(opts.signal)) return true;
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
      return parseOwner((await readRegularFile(this.path)).toString('utf8'));
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

  /** release() for a process that is exiting (an 'exit' handler cannot await). Idempotent; never throws. */
  releaseSync(): void {
    const token = this.token;
    if (!token) return;
    this.token = null;
    try {
      if (parseOwner(readRegularFileSync(this.path).toString('utf8'))?.token === token) rmSync(this.path, { force: true });
    } catch {
      // gone already, or unreadable: not ours to remove
    }
  }

  private async tryOnce(signal?: AbortSignal): Promise<boolean> {
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
    if (await this.removeIfAbandoned(signal)) {
      if (await this.create(owner)) {
        this.token = owner.token;
        return true;
      }
    }
    return false;
  }

  private async create(owner: LockOwner): Promise<boolean> {
    return createComplete(this.path, JSON.stringify(owner), owner.token);
  }

  /**
   * Removes an abandoned lock file. To avoid two contenders both deleting (the second one deleting
   * the first one's fresh lock), the removal itself runs under a short-lived `<path>.takeover` lock and
   * re-reads the file under it.
   */
  private async removeIfAbandoned(signal?: AbortSignal): Promise<boolean> {
    const seen = await this.inspectConfirmed(this.path, signal);
    if (!seen || !this.abandoned(seen)) return false;
    const takeoverPath = `${this.path}.takeover`;
    const me = JSON.stringify({ pid: process.pid, startTime: this.startTimeOf(process.pid) ?? null, acquiredAt: this.clock.now(), token: 'takeover' });
    if (!(await createComplete(takeoverPath, me, randomBytes(6).toString('hex')))) {
      // Someone else is taking over; clear their marker only if they died doing it.
      const other = await this.inspectConfirmed(takeoverPath, signal);
      if (other && this.abandoned(other)) await fs.rm(takeoverPath, { force: true });
      return false;
    }
    try {
      const again = await this.inspect();
      if (!again) return true; // gone meanwhile: free to create
      const same = again.owner?.token === seen.owner?.token && again.text === seen.text;
      if (same && this.abandoned(again)) {
        await fs.rm(this.path, { force: true });
        return true;
      }
      return false;
    } finally {
      await fs.rm(takeoverPath, { force: true });
    }
  }

  private abandoned(seen: Inspected): boolean {
    return isLockAbandoned(seen.owner, seen.age, { isAlive: this.alive, startTimeOf: this.startTimeOf, unreadableStaleMs: this.unreadableStaleMs, mayBeOwner: this.mayBeOwner });
  }

  /**
   * inspect(), but an unreadable file the wall clock calls old (most likely torn by an owner that died mid-write) is
   * watched out to the stale time before the answer (bounded, cancelled with the signal, even past acquire's timeoutMs),
   * so a single acquire() still takes over a torn lock left long ago.
   */
  private async inspectConfirmed(file: string, signal?: AbortSignal): Promise<Inspected | null> {
    const seen = await this.inspect(file);
    if (!seen || seen.owner || this.abandoned(seen) || Math.abs(seen.age.wallMs) <= this.unreadableStaleMs) return seen;
    try {
      await this.clock.sleep(this.unreadableStaleMs - seen.age.watchedMs, signal);
    } catch {
      return seen;
    }
    return this.inspect(file);
  }

  private async inspect(file = this.path): Promise<Inspected | null> {
    try {
      const [text, stat] = await Promise.all([readRegularFile(file).then((b) => b.toString('utf8')), fs.stat(file)]);
      const owner = parseOwner(text);
      const mono = this.clock.monotonic();
      let watchedMs = 0;
      if (owner) {
        this.unreadableSeen.delete(file);
      } else {
        const identity = JSON.stringify([stat.ino, stat.mtimeMs, stat.size, text]);
        const prior = this.unreadableSeen.get(file);
        if (prior?.identity === identity) watchedMs = mono - prior.since;
        else this.unreadableSeen.set(file, { identity, since: mono });
      }
      return { owner, age: { wallMs: this.clock.now() - stat.mtimeMs, watchedMs }, text };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.unreadableSeen.delete(file);
        return null;
      }
      throw err;
    }
  }
}

/** Filesystems without hard links answer link() with one of these: there the file is created, then written. */
const NO_LINK_CODES = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * Creates `file` with `text` unless it exists (false then). The text is written to a private file first and hard-linked
 * into place, so no one ever reads the lock empty or half-written: a contender that loses the race at the same instant
 * reads its winner's pid, not an unreadable file it must watch for 10 s. Without hard links: O_EXCL, then the write.
 * A refusal (a full or read-only disk) is thrown naming the lock file: Node's write names none.
 */
async function createComplete(file: string, text: string, tag: string): Promise<boolean> {
  try {
    return await createCompleteOnce(file, text, tag);
  } catch (err) {
    throw errorNamingFile(err, file);
  }
}

async function createCompleteOnce(file: string, text: string, tag: string): Promise<boolean> {
  const draft = `${file}.${process.pid}.${tag}.new`;
  try {
    await fs.writeFile(draft, text, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // A full disk: nothing is left behind to keep others out until it ages (unreadableStaleMs).
    await fs.rm(draft, { force: true }).catch(() => undefined);
    throw err;
  }
  try {
    await fs.link(draft, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_LINK_CODES.has(code)) throw err;
    return createThenWrite(file, text);
  } finally {
    await fs.rm(draft, { force: true }).catch(() => undefined);
  }
}

async function createThenWrite(file: string, text: string): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(text);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(file, { force: true }).catch(() => undefined);
    throw err;
  }
  await handle.close();
  return true;
}

interface Inspected {
  owner: LockOwner | null;
  age: UnreadableAge;
  text: string;
}
