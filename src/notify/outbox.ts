// Alerts survive a crash: each pending message is a file under <stateDir>/outbox/<channel folder>/ until delivered;
// past its retry budget it moves to <channel>/dead/ (still retried, still visible) and never disappears unseen.
import { moveAsideNonDir } from '../platform/private-dir.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';
import { promises as fs, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { isMissing } from '../platform/errno-words.js';
import { createHash } from 'node:crypto';
import { tempWriterGone, writeFileAtomic, writeFileAtomicSync } from '../platform/atomic-write.js';
import type { ClawbackEvent } from '../observe/events.js';
import { folderOf, nameOfFolder } from './channel-folder.js';
import { DEAD_DIR, ENTRY_FILE_RE, MOVED_CHAT_FILE, RATE_LIMIT_FILE, THREADS_FILE } from './outbox-layout.js';

export { MOVED_CHAT_FILE, RATE_LIMIT_FILE, THREADS_FILE } from './outbox-layout.js';
import { spooledFor } from './destination.js';
import { removedBookkeepingGone } from './stale-bookkeeping.js';
import type { ChannelConfig } from './notify-schema.js';
import type { SavedRateLimit } from './saved-rate-limit.js';
import type { SavedFolded } from './flood-summary.js';

export interface OutboxEntry {
  v: 1;
  /** Global sequence number: the file name, and the order of delivery within a channel. */
  seq: number;
  channel: string;
  kind: 'event' | 'reminder';
  /** Already redacted. */
  event: ClawbackEvent;
  /** When it was queued, epoch ms (outboxMaxAge counts from here). */
  createdAt: number;
  /** Reminders: when the incident opened. */
  openedAt?: number;
  /** The destination it was queued for (destinationOf): sent only there. Absent in alerts spooled by an older version. */
  dest?: string;
  /** Set once the message exhausted its retry budget (or was refused or expired): it lives in dead/. */
  dead?: DeadLetterInfo;
  /**
   * Set (on disk) before a request for it goes out, cleared when the endpoint answers without accepting it: found set, a
   * request got no answer (the daemon was killed or stopped mid-send, or it timed out) and the endpoint may have it already.
   */
  sending?: true;
  /** A flood summary (notify.suppressed): what it folded so far (flood-summary.ts), so a restart folds into it again. */
  folded?: SavedFolded;
}

export interface DeadLetterInfo {
  since: number;
  reason: string;
  /** Parked: refused for good or expired; retried only on `clawback notify flush`. Else retried with capped backoff. */
  parked: boolean;
}

/**
 * An alert's idempotency key: a hash of what was spooled (kind and redacted event), so a retry, a resend after a daemon
 * crash, and an event recovered from the journal carry the same id; a reminder (its own time) gets its own.
 */
export function alertId(entry: Pick<OutboxEntry, 'kind' | 'event'>): string {
  return createHash('sha256').update(JSON.stringify([entry.kind, entry.event])).digest('hex').slice(0, 32);
}

export interface MovedChat {
  /** The configured chat id the endpoint refused. */
  from: string;
  /** The chat id it named instead. */
  to: string;
  /** Where the moved chat was (destinationOf: API base and chat); absent in a file an older version wrote. */
  dest?: string;
}

/**
 * The chat to send to instead of the channel's configured one, from what was saved: only while the config still names
 * the chat that moved (once a person puts the new id, or another one, in the config, the saved move no longer applies),
 * and on the same destination (API base and chat), as spooled alerts and threads.json: a channel name that came to mean
 * a chat of that id on another Bot API server (or a name by position that shifted) did not inherit the move.
 */
export function movedChatFor(saved: unknown, cfg: ChannelConfig & { name: string }): string | undefined {
  const configured = 'chatId' in cfg ? String(cfg.chatId) : undefined;
  if (configured === undefined || !saved || typeof saved !== 'object') return undefined;
  const { from, to, dest } = saved as Partial<MovedChat>;
  if (spooledFor(typeof dest === 'string' ? dest : undefined, cfg) !== 'same') return undefined;
  return from === configured && typeof to === 'string' && to !== '' && to !== configured ? to : undefined;
}
/** Files fsynced before their directory is, and their callers told. */
const SYNC_BATCH = 16;

/** fsync of one path; false if it is gone (delivered and removed meanwhile). */
async function syncPath(target: string): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(target, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    await handle.sync();
    return true;
  } finally {
    await handle.close();
  }
}

function isEntry(v: unknown): v is OutboxEntry {
  if (!v || typeof v !== 'object') return false;
  const o = v as Partial<OutboxEntry>;
  return (
    o.v === 1 &&
    typeof o.seq === 'number' &&
    typeof o.channel === 'string' &&
    (o.kind === 'event' || o.kind === 'reminder') &&
    typeof o.createdAt === 'number' &&
    (o.dest === undefined || typeof o.dest === 'string') &&
    !!o.event &&
    typeof o.event === 'object' &&
    typeof (o.event as ClawbackEvent).type === 'string'
  );
}

export interface LoadResult {
  /** Pending entries per channel directory, in sequence order. */
  byChannel: Map<string, OutboxEntry[]>;
  /** Files that could not be read; renamed to *.corrupt and kept as evidence. */
  corrupt: string[];
  /** Every channel directory found, with or without pending entries. */
  dirs: string[];
  /** Where something other than a directory found in the outbox's place was moved aside (kept as evidence). */
  movedAside?: string;
}

/** The on-disk queue. One instance per notifier; no state beyond the next sequence number and the files to fsync. */
export class Outbox {
  private seq = 0;
  /** Files waiting for their fsync, each with whoever waits on it (a flood summary rewritten per alert is synced once). */
  private readonly toSync = new Map<string, ((err?: unknown) => void)[]>();
  private syncing = false;

  /**
   * `movedAside`: told once of each thing other than a directory found where a channel's folder (or its dead/) goes and
   * moved aside (kept as evidence) so the folder could be made; `now` stamps its name.
   */
  constructor(
    readonly dir: string,
    private readonly opts: { now?: () => number; movedAside?: (dir: string, keptAs: string) => void } = {},
  ) {}

  /**
   * Makes a folder under the outbox. A file, a FIFO or a link to one where a channel's folder or its dead/ goes (a
   * restore, a person's `touch`) failed every spool with EEXIST/ENOTDIR, the daemon degraded for good with nothing
   * spooled: it is moved aside (`<name>.not-a-dir-<time>`, said once) and the folder made.
   */
  private mkdirOwnSync(dir: string): void {
    try {
      // A read-only outbox says its own cause (EROFS), not the ENOENT Node's recursive mkdir gives there.
      mkdirRecursiveSync(dir, 0o700);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTDIR') throw err;
    }
    const rel = path.relative(this.dir, dir);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return void mkdirSync(dir, { recursive: true, mode: 0o700 });
    let at = this.dir;
    for (const part of rel.split(path.sep)) {
      at = path.join(at, part);
      const keptAs = moveAsideNonDir(at, (this.opts.now ?? Date.now)());
      if (keptAs) this.opts.movedAside?.(at, keptAs);
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private async mkdirOwn(dir: string): Promise<void> {
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    } catch {
      this.mkdirOwnSync(dir);
    }
  }

  /** Reads everything pending (synchronously: once, at start-up) and continues the sequence after it. */
  loadSync(now: number = Date.now()): LoadResult {
    const byChannel = new Map<string, OutboxEntry[]>();
    const corrupt: string[] = [];
    const dirs: string[] = [];
    // A file, a FIFO or a link to one in the outbox's place (a restore, a person's `touch`): mkdir failed with EEXIST at
    // every start and every alert, the daemon degraded (alert-spool) for good with nothing spooled. Moved aside, kept.
    let movedAside: string | undefined;
    try {
      movedAside = moveAsideNonDir(this.dir, now);
    } catch {
      // not movable: the mkdir below says why
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const folder of readdirSync(this.dir)) {
      const cdir = path.join(this.dir, folder);
      try {
        if (!statSync(cdir).isDirectory()) continue;
      } catch {
        continue;
      }
      const channel = nameOfFolder(folder);
      if (!dirs.includes(channel)) dirs.push(channel);
      const ddir = path.join(cdir, DEAD_DIR);
      const files = readdirSync(cdir).map((f) => path.join(cdir, f));
      try {
        if (statSync(ddir).isDirectory()) files.push(...readdirSync(ddir).map((f) => path.join(ddir, f)));
      } catch {
        // No dead letters for this channel.
      }
      for (const full of files) {
        const file = path.basename(full);
        const inDead = path.dirname(full) === ddir;
        if (file.startsWith('.') && file.endsWith('.tmp')) {
          // A write interrupted by a crash: never renamed into place, so never a pending message. One whose writer still
          // runs (a notifier a reload replaced, finishing its last write) is left to it: removed, its rename failed.
          if (tempWriterGone(full)) rmSync(full, { force: true });
          continue;
        }
        const m = ENTRY_FILE_RE.exec(file);
        if (!m) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(readFileSync(full, 'utf8'));
          if (!isEntry(parsed)) throw new Error('not an outbox entry');
        } catch {
          try {
            renameSync(full, `${full}.corrupt`);
          } catch {
            // Leave it; it will be reported again next start.
          }
          corrupt.push(full);
          continue;
        }
        // An older version kept "Ops" and "ops" in one folder on a case-insensitive disk: the entry says whose it is.
        const owner = parsed.channel !== channel && parsed.channel.toLowerCase() === channel.toLowerCase() ? parsed.channel : channel;
        const entry: OutboxEntry = { ...parsed, seq: Number(m[1]), channel: owner };
        if (inDead && !entry.dead) entry.dead = { since: entry.createdAt, reason: 'found in dead/', parked: false };
        if (!inDead) delete entry.dead;
        if (folderOf(owner) !== folder) {
          // Moved to the owner's folder (written by an older version): its file is where fileOf looks for it from now on.
          const target = path.join(this.dir, folderOf(owner), ...(inDead ? [DEAD_DIR] : []), file);
          try {
            this.mkdirOwnSync(path.dirname(target));
            renameSync(full, target);
          } catch {
            continue; // Left where it is, loaded again next start.
          }
          if (!dirs.includes(owner)) dirs.push(owner);
        }
        const list = byChannel.get(owner) ?? [];
        list.push(entry);
        byChannel.set(owner, list);
        this.seq = Math.max(this.seq, Number(m[1]));
      }
      if (folderOf(channel) !== folder) this.moveLegacyFolder(folder, channel);
    }
    for (const [channel, entries] of byChannel) {
      entries.sort((a, b) => a.seq - b.seq || (a.dead ? -1 : 1));
      // A crash between "written to dead/" and "removed from the queue" leaves two copies: keep one.
      byChannel.set(channel, entries.filter((e, i) => i === 0 || entries[i - 1]!.seq !== e.seq));
    }
    return { byChannel, corrupt, dirs, ...(movedAside ? { movedAside } : {}) };
  }

  /** The bookkeeping of a folder an older version named with capitals goes to the channel's folder; the empty folder goes. */
  private moveLegacyFolder(folder: string, channel: string): void {
    for (const file of [THREADS_FILE, MOVED_CHAT_FILE, RATE_LIMIT_FILE]) {
      const from = path.join(this.dir, folder, file);
      const to = path.join(this.dir, folderOf(channel), file);
      try {
        statSync(to);
        continue; // The new folder's own is newer.
      } catch {
        // Not there yet.
      }
      try {
        statSync(from);
        this.mkdirOwnSync(path.dirname(to));
        renameSync(from, to);
      } catch {
        // Nothing to move, or left where it is.
      }
    }
    for (const dir of [path.join(this.dir, folder, DEAD_DIR), path.join(this.dir, folder)]) {
      try {
        rmdirSync(dir);
      } catch {
        // Not empty (kept), or already gone.
      }
    }
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  fileOf(entry: Pick<OutboxEntry, 'channel' | 'seq' | 'dead'>): string {
    const name = `${String(entry.seq).padStart(12, '0')}.json`;
    const folder = path.join(this.dir, folderOf(entry.channel));
    return entry.dead ? path.join(folder, DEAD_DIR, name) : path.join(folder, name);
  }

  /**
   * Written before the caller returns: the daemon journals an event and publishes it in one synchronous step, so a
   * SIGKILL can no longer fall between the journal line and its spooled alert. Atomic (temp file, rename) but not yet
   * fsynced: a killed process loses nothing in the page cache; `persist` then makes it survive a power cut.
   */
  writeNow(entry: OutboxEntry): void {
    const file = this.fileOf(entry);
    const data = JSON.stringify(entry);
    // The folder is made when the write finds it missing (or not a folder), not before every alert: a mkdir that answers
    // EEXIST and the stat of the folder behind it were 2 of the ~11 fs calls of each alert spooled and delivered.
    try {
      writeFileAtomicSync(file, data, { mode: 0o600, durable: false });
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    this.mkdirOwnSync(path.dirname(file));
    writeFileAtomicSync(file, data, { mode: 0o600, durable: false });
  }

  /**
   * fsyncs a file written by writeNow (and its directory); a file already delivered and removed is fine. Queued and done
   * one file at a time, each directory once per batch: a burst of thousands of alerts held one descriptor and one
   * thread-pool slot per alert (EMFILE past the soft limit, every other fs call of the daemon queued behind them).
   */
  persist(entry: OutboxEntry): Promise<void> {
    const file = this.fileOf(entry);
    return new Promise<void>((resolve, reject) => {
      const done = (err?: unknown): void => (err === undefined ? resolve() : reject(err));
      const waiting = this.toSync.get(file);
      if (waiting) waiting.push(done);
      else this.toSync.set(file, [done]);
      if (!this.syncing) void this.syncQueued();
    });
  }

  private async syncQueued(): Promise<void> {
    this.syncing = true;
    try {
      while (this.toSync.size > 0) {
        // Taken off the queue before the fsync starts: a rewrite queued meanwhile waits for a fsync of its own.
        const batch: [string, ((err?: unknown) => void)[]][] = [];
        for (const item of this.toSync) if (batch.push(item) >= SYNC_BATCH) break;
        for (const [file] of batch) this.toSync.delete(file);
        const failed = new Map<string, unknown>();
        const dirs = new Set<string>();
        for (const [file] of batch) {
          try {
            if (await syncPath(file)) dirs.add(path.dirname(file));
          } catch (err) {
            failed.set(file, err);
          }
        }
        for (const dir of dirs) {
          // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
          await syncPath(dir).catch(() => undefined);
        }
        for (const [file, waiting] of batch) for (const done of waiting) done(failed.get(file));
      }
    } finally {
      this.syncing = false;
    }
  }

  async write(entry: OutboxEntry): Promise<void> {
    await this.mkdirOwn(path.dirname(this.fileOf(entry)));
    await writeFileAtomic(this.fileOf(entry), JSON.stringify(entry), { mode: 0o600 });
  }

  /** Moves a pending message into dead/ (written there first, then removed from the queue directory). */
  async moveToDead(entry: OutboxEntry, info: DeadLetterInfo): Promise<void> {
    const before = this.fileOf(entry);
    entry.dead = info;
    await this.write(entry);
    if (before !== this.fileOf(entry)) await fs.rm(before, { force: true });
  }

  /** Whether an entry's file is on disk (one stat: not its whole folder listed). */
  hasSync(entry: Pick<OutboxEntry, 'channel' | 'seq' | 'dead'>): boolean {
    return existsSync(this.fileOf(entry));
  }

  /** The files present in a channel's folder and its dead/ (full paths): what fileOf names and is missing was deleted by hand. */
  presentSync(channel: string): Set<string> {
    const present = new Set<string>();
    const folder = path.join(this.dir, folderOf(channel));
    for (const dir of [folder, path.join(folder, DEAD_DIR)]) {
      try {
        for (const f of readdirSync(dir)) present.add(path.join(dir, f));
      } catch {
        // Gone (deleted by hand) or never made: nothing present there.
      }
    }
    return present;
  }

  /** Moves a pending entry (its file) to another channel's folder: the same destination under a new name. Throws if it cannot. */
  moveSync(entry: OutboxEntry, channel: string): OutboxEntry {
    const moved: OutboxEntry = { ...entry, channel };
    this.mkdirOwnSync(path.dirname(this.fileOf(moved)));
    // One rename: never in both folders (sent twice) nor in neither (lost). The folder says whose it is from now on.
    renameSync(this.fileOf(entry), this.fileOf(moved));
    return moved;
  }

  /**
   * The channel names with a folder here (read before loadSync, which may prune them): a renamed channel's bookkeeping is
   * looked for among them.
   */
  foldersSync(): string[] {
    try {
      return readdirSync(this.dir).map(nameOfFolder);
    } catch {
      return []; // No outbox yet.
    }
  }

  /** A folder's bookkeeping file, parsed (undefined when absent or unreadable). */
  readBookkeepingSync(channel: string, file: string): unknown {
    return this.readChannelFileSync(channel, file);
  }

  /**
   * Moves a bookkeeping file to another channel's folder (the same destination under a new name), unless that channel has
   * its own: one rename, never two files saying different things. False when it was not moved.
   */
  moveBookkeepingSync(from: string, to: string, file: string): boolean {
    const target = path.join(this.dir, folderOf(to), file);
    if (existsSync(target)) return false;
    try {
      this.mkdirOwnSync(path.dirname(target));
      renameSync(path.join(this.dir, folderOf(from), file), target);
      return true;
    } catch {
      return false; // Left where it is: the old folder keeps it, as before.
    }
  }

  /** Removed at once (the endpoint just accepted it): the longer it stays, the wider a crash's window to send it twice. */
  removeNow(entry: Pick<OutboxEntry, 'channel' | 'seq' | 'dead'>): void {
    // One unlink (rmSync's rimraf stats the file first: a second syscall per alert delivered, on the event loop).
    try {
      unlinkSync(this.fileOf(entry));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  async remove(entry: Pick<OutboxEntry, 'channel' | 'seq' | 'dead'>): Promise<void> {
    await fs.rm(this.fileOf(entry), { force: true });
  }

  /**
   * Removes a channel's directory (and its dead/) if nothing is left in it; anything still there stays. Given `now` (the
   * channel is no longer configured), its bookkeeping files that no longer matter go first (removedBookkeepingGone).
   */
  pruneSync(channel: string, now?: number): void {
    if (now !== undefined) {
      for (const file of [RATE_LIMIT_FILE, THREADS_FILE, MOVED_CHAT_FILE]) {
        const full = path.join(this.dir, folderOf(channel), file);
        try {
          const { mtimeMs } = statSync(full);
          let parsed: unknown;
          try {
            parsed = JSON.parse(readFileSync(full, 'utf8'));
          } catch {
            parsed = undefined;
          }
          if (removedBookkeepingGone(file === RATE_LIMIT_FILE ? 'rate-limit' : 'other', parsed, mtimeMs, now)) rmSync(full, { force: true });
        } catch {
          // Not there, or left where it is.
        }
      }
    }
    for (const dir of [path.join(this.dir, folderOf(channel), DEAD_DIR), path.join(this.dir, folderOf(channel))]) {
      try {
        rmdirSync(dir);
      } catch {
        // Not empty (kept), or already gone.
      }
    }
  }

  /** A channel's bookkeeping file beside its outbox (THREADS_FILE, MOVED_CHAT_FILE), parsed; undefined when unreadable. */
  private readChannelFileSync(channel: string, file: string): unknown {
    // Read before loadSync moves an older version's folder ("Ops", now "+ops"): its file is read where it still is.
    for (const folder of new Set([folderOf(channel), channel])) {
      try {
        return JSON.parse(readFileSync(path.join(this.dir, folder, file), 'utf8')) as unknown;
      } catch {
        // Not there: the next place, or none.
      }
    }
    return undefined;
  }

  private async writeChannelFile(channel: string, file: string, data: unknown): Promise<void> {
    await this.mkdirOwn(path.join(this.dir, folderOf(channel)));
    await writeFileAtomic(path.join(this.dir, folderOf(channel), file), JSON.stringify(data), { mode: 0o600 });
  }

  readMovedChatSync(channel: string): unknown {
    return this.readChannelFileSync(channel, MOVED_CHAT_FILE);
  }

  async writeMovedChat(channel: string, moved: MovedChat): Promise<void> {
    await this.writeChannelFile(channel, MOVED_CHAT_FILE, moved);
  }

  readRateLimitSync(channel: string): unknown {
    return this.readChannelFileSync(channel, RATE_LIMIT_FILE);
  }

  async writeRateLimit(channel: string, saved: SavedRateLimit): Promise<void> {
    await this.writeChannelFile(channel, RATE_LIMIT_FILE, saved);
  }

  readThreadsSync(channel: string): unknown {
    return this.readChannelFileSync(channel, THREADS_FILE);
  }

  async writeThreads(channel: string, data: unknown): Promise<void> {
    await this.writeChannelFile(channel, THREADS_FILE, data);
  }
}
