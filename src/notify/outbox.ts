// Alerts survive a crash: each pending message is a file under <stateDir>/outbox/<channel>/ until delivered.
import { promises as fs, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.js';
import type { ClawbackEvent } from '../observe/events.js';

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
}

const FILE_RE = /^(\d{12})\.json$/;

function isEntry(v: unknown): v is OutboxEntry {
  if (!v || typeof v !== 'object') return false;
  const o = v as Partial<OutboxEntry>;
  return (
    o.v === 1 &&
    typeof o.seq === 'number' &&
    typeof o.channel === 'string' &&
    (o.kind === 'event' || o.kind === 'reminder') &&
    typeof o.createdAt === 'number' &&
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
}

/** The on-disk queue. One instance per notifier; no state beyond the next sequence number. */
export class Outbox {
  private seq = 0;

  constructor(readonly dir: string) {}

  /** Reads everything pending (synchronously: once, at start-up) and continues the sequence after it. */
  loadSync(): LoadResult {
    const byChannel = new Map<string, OutboxEntry[]>();
    const corrupt: string[] = [];
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const channel of readdirSync(this.dir)) {
      const cdir = path.join(this.dir, channel);
      try {
        if (!statSync(cdir).isDirectory()) continue;
      } catch {
        continue;
      }
      const entries: OutboxEntry[] = [];
      for (const file of readdirSync(cdir)) {
        const full = path.join(cdir, file);
        if (file.startsWith('.') && file.endsWith('.tmp')) {
          // A write interrupted by a crash: never renamed into place, so never a pending message.
          rmSync(full, { force: true });
          continue;
        }
        const m = FILE_RE.exec(file);
        if (!m) continue;
        try {
          const parsed: unknown = JSON.parse(readFileSync(full, 'utf8'));
          if (!isEntry(parsed)) throw new Error('not an outbox entry');
          entries.push({ ...parsed, seq: Number(m[1]), channel });
          this.seq = Math.max(this.seq, Number(m[1]));
        } catch {
          try {
            renameSync(full, `${full}.corrupt`);
          } catch {
            // Leave it; it will be reported again next start.
          }
          corrupt.push(full);
        }
      }
      entries.sort((a, b) => a.seq - b.seq);
      if (entries.length > 0) byChannel.set(channel, entries);
    }
    return { byChannel, corrupt };
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  fileOf(entry: Pick<OutboxEntry, 'channel' | 'seq'>): string {
    return path.join(this.dir, entry.channel, `${String(entry.seq).padStart(12, '0')}.json`);
  }

  async write(entry: OutboxEntry): Promise<void> {
    await fs.mkdir(path.join(this.dir, entry.channel), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.fileOf(entry), JSON.stringify(entry), { mode: 0o600 });
  }

  async remove(entry: Pick<OutboxEntry, 'channel' | 'seq'>): Promise<void> {
    await fs.rm(this.fileOf(entry), { force: true });
  }
}
