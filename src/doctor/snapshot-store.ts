// Copies of a service's config kept in the state dir: last-known-good ones to restore, pre-repair ones so no repair loses bytes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../platform/clock.js';
import { systemClock } from '../platform/clock.js';
import { writeFileAtomic, type FileOwner } from '../platform/atomic-write.js';
import { sha256 } from '../platform/config-file.js';
import type { ServiceConfig } from '../config/schema.js';
import { errorWithContext } from '../platform/error-context.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

/** "last-known-good": the config ran healthy; "pre-repair": the bytes as they were before a repair touched them. */
export type SnapshotKind = 'last-known-good' | 'pre-repair';

export interface SnapshotMeta {
  sourcePath: string;
  reason: string;
  /** Default "pre-repair": only what was seen healthy is ever called last-known-good. */
  kind?: SnapshotKind;
  /** File mode of the source (permission bits), restored with the bytes. */
  mode?: number;
  /** Owner of the source: a restore into a missing file gives it back (the service's user must read its config). */
  owner?: FileOwner;
}

export interface SnapshotEntry {
  id: string;
  kind: SnapshotKind;
  /** File name inside the store's directory. */
  file: string;
  sourcePath: string;
  reason: string;
  /** Epoch ms. */
  time: number;
  iso: string;
  sha256: string;
  size: number;
  mode?: number;
  /** Owner of the source (absent in snapshots taken before it was kept). */
  uid?: number;
  gid?: number;
  /** Only on save()'s answer: the newest snapshot of this kind already had these bytes, nothing was written. */
  deduplicated?: true;
}

export interface SnapshotStoreOptions {
  /** Snapshots kept per kind; the oldest beyond it are pruned. */
  keep: number;
  /** Pre-repair snapshots kept (default max(keep, 20)). */
  keepPreRepair?: number;
  clock?: Clock;
}

interface IndexFile {
  version: 1;
  entries: SnapshotEntry[];
}

const INDEX = 'index.json';
const FILE_RE = /^(last-known-good|pre-repair)--(\d+)--([0-9a-f]{16})(?:-\d+)?\.snap$/;

export class SnapshotStore {
  readonly dir: string;
  private readonly keep: Record<SnapshotKind, number>;
  private readonly clock: Clock;
  /** Serialises index updates of this store (one writer per process; the daemon owns the state dir). */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(dir: string, opts: SnapshotStoreOptions) {
    this.dir = dir;
    const keep = Math.max(1, Math.floor(opts.keep));
    this.keep = { 'last-known-good': keep, 'pre-repair': Math.max(1, Math.floor(opts.keepPreRepair ?? Math.max(keep, 20))) };
    this.clock = opts.clock ?? systemClock();
  }

  /** Stores content (atomic, 0600, in a 0700 dir) unless the newest snapshot of the same kind has the same sha256. */
  save(content: Buffer, meta: SnapshotMeta): Promise<SnapshotEntry> {
    return this.serial(async () => {
      const kind = meta.kind ?? 'pre-repair';
      const sum = sha256(content);
      await this.ensureDir();
      const index = await this.readIndex();
      const newest = newestOf(index.entries, kind);
      if (newest && newest.sha256 === sum) return { ...newest, deduplicated: true as const };

      const time = this.clock.now();
      let file = `${kind}--${time}--${sum.slice(0, 16)}.snap`;
      for (let n = 1; index.entries.some((e) => e.file === file) && n < 1000; n++) {
        file = `${kind}--${time}--${sum.slice(0, 16)}-${n}.snap`;
      }
      try {
        await writeFileAtomic(path.join(this.dir, file), content, { mode: 0o600 });
      } catch (err) {
        throw errorWithContext(`could not save a ${kind} copy of ${meta.sourcePath} in ${this.dir}`, err);
      }
      const entry: SnapshotEntry = {
        id: file.replace(/\.snap$/, ''),
        kind,
        file,
        sourcePath: meta.sourcePath,
        reason: meta.reason,
        time,
        iso: new Date(time).toISOString(),
        sha256: sum,
        size: content.length,
      };
      if (meta.mode !== undefined) entry.mode = meta.mode & 0o7777;
      if (meta.owner) Object.assign(entry, { uid: meta.owner.uid, gid: meta.owner.gid });
      index.entries.push(entry);

      const pruned = pruneList(index.entries, kind, this.keep[kind]);
      index.entries = index.entries.filter((e) => !pruned.includes(e));
      try {
        await this.writeIndex(index);
      } catch (err) {
        // The copy is in no index: nothing lists, restores or prunes it. It goes with the failed save.
        await fs.rm(path.join(this.dir, file), { force: true }).catch(() => undefined);
        throw errorWithContext(`could not save a ${kind} copy of ${meta.sourcePath}: its entry in ${path.join(this.dir, INDEX)} could not be written`, err);
      }
      for (const old of pruned) await fs.rm(path.join(this.dir, old.file), { force: true });
      return entry;
    });
  }

  /** The recorded owner of a snapshot's source, when it was kept. */
  static ownerOf(entry: Pick<SnapshotEntry, 'uid' | 'gid'>): FileOwner | undefined {
    return entry.uid !== undefined && entry.gid !== undefined ? { uid: entry.uid, gid: entry.gid } : undefined;
  }

  /** Newest first; of one kind, or of all. */
  async list(kind?: SnapshotKind): Promise<SnapshotEntry[]> {
    await this.chain.catch(() => undefined);
    const index = await this.readIndex();
    return index.entries.filter((e) => kind === undefined || e.kind === kind).reverse();
  }

  async latest(kind?: SnapshotKind): Promise<SnapshotEntry | undefined> {
    return (await this.list(kind))[0];
  }

  /** The snapshot's bytes; throws when the file no longer matches its recorded checksum. */
  async read(entry: SnapshotEntry): Promise<Buffer> {
    const data = await fs.readFile(path.join(this.dir, path.basename(entry.file)));
    const sum = sha256(data);
    if (sum !== entry.sha256) throw new Error(`snapshot ${entry.id} is damaged: sha256 ${sum} != recorded ${entry.sha256}`);
    return data;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async ensureDir(): Promise<void> {
    await mkdirRecursive(this.dir, 0o700);
    await fs.chmod(this.dir, 0o700);
  }

  private async readIndex(): Promise<IndexFile> {
    let text: string;
    try {
      text = await fs.readFile(path.join(this.dir, INDEX), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.rebuildIndex();
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as Partial<IndexFile>;
      if (parsed.version === 1 && Array.isArray(parsed.entries)) return { version: 1, entries: parsed.entries };
    } catch {
      // fall through: a damaged index is rebuilt from the snapshot files themselves
    }
    return this.rebuildIndex();
  }

  /** Without a readable index the snapshot files still tell kind, time and checksum (source path and reason are lost). */
  private async rebuildIndex(): Promise<IndexFile> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return { version: 1, entries: [] };
    }
    const entries: SnapshotEntry[] = [];
    for (const file of names) {
      const m = FILE_RE.exec(file);
      if (!m) continue;
      const data = await fs.readFile(path.join(this.dir, file)).catch(() => undefined);
      if (!data) continue;
      const time = Number(m[2]);
      entries.push({
        id: file.replace(/\.snap$/, ''),
        kind: m[1] as SnapshotKind,
        file,
        sourcePath: '',
        reason: 'recovered after the snapshot index was lost',
        time,
        iso: new Date(time).toISOString(),
        sha256: sha256(data),
        size: data.length,
      });
    }
    entries.sort((a, b) => a.time - b.time || a.file.localeCompare(b.file));
    return { version: 1, entries };
  }

  private async writeIndex(index: IndexFile): Promise<void> {
    await writeFileAtomic(path.join(this.dir, INDEX), `${JSON.stringify(index, null, 2)}\n`, { mode: 0o600 });
  }
}

/** The store the doctor uses for a service: <stateDir>/snapshots/<service>, keeping doctor.keepSnapshots. */
export function snapshotStoreFor(stateDir: string, service: Pick<ServiceConfig, 'name' | 'doctor'>, clock?: Clock): SnapshotStore {
  const opts: SnapshotStoreOptions = { keep: service.doctor.keepSnapshots };
  if (clock) opts.clock = clock;
  return new SnapshotStore(path.join(stateDir, 'snapshots', service.name), opts);
}

function newestOf(entries: readonly SnapshotEntry[], kind: SnapshotKind): SnapshotEntry | undefined {
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i]!.kind === kind) return entries[i];
  return undefined;
}

/** Entries of kind beyond the newest `keep` (entries are oldest first). */
function pruneList(entries: readonly SnapshotEntry[], kind: SnapshotKind, keep: number): SnapshotEntry[] {
  const ofKind = entries.filter((e) => e.kind === kind);
  return ofKind.slice(0, Math.max(0, ofKind.length - keep));
}
