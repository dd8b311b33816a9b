// The bytes of every file the agent may touch, saved before it starts: to diff what it did and to undo it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.js';
import { sha256 } from '../platform/config-file.js';
import { lineDiff } from '../doctor/line-diff.js';

export interface SnapshotLimits {
  maxFileBytes: number;
  maxFiles: number;
  maxTotalBytes: number;
}

export const DEFAULT_SNAPSHOT_LIMITS: SnapshotLimits = { maxFileBytes: 1024 * 1024, maxFiles: 200, maxTotalBytes: 16 * 1024 * 1024 };

export interface SnapshotEntry {
  path: string;
  /** The file did not exist before the agent ran. */
  absent: boolean;
  sha256?: string;
  mode?: number;
  size?: number;
  /** Name of the copy inside the before/ directory. */
  copy?: string;
}

export interface FileSnapshot {
  dir: string;
  entries: SnapshotEntry[];
  /** Paths left out (too big, too many), for the report. */
  skipped: string[];
}

export interface FileChange {
  path: string;
  kind: 'modified' | 'created' | 'deleted';
  diff: string[];
  added: number;
  removed: number;
}

/** Expands allowed paths to files: a file as is, a directory's top-level regular files (not recursive). */
export async function collectFiles(allowed: string[], exclude: (file: string) => boolean): Promise<string[]> {
  const out = new Set<string>();
  for (const p of allowed.map((x) => path.resolve(x))) {
    const st = await fs.stat(p).catch(() => undefined);
    if (!st) {
      if (!exclude(p)) out.add(p); // may be created by the agent: remembered as absent
      continue;
    }
    if (st.isFile()) {
      if (!exclude(p)) out.add(p);
    } else if (st.isDirectory()) {
      const names = await fs.readdir(p, { withFileTypes: true }).catch(() => []);
      for (const d of names) {
        const f = path.join(p, d.name);
        if (d.isFile() && !exclude(f)) out.add(f);
      }
    }
  }
  return [...out].sort();
}

export async function takeSnapshot(files: string[], dir: string, limits: SnapshotLimits = DEFAULT_SNAPSHOT_LIMITS): Promise<FileSnapshot> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const entries: SnapshotEntry[] = [];
  const skipped: string[] = [];
  let total = 0;
  for (const file of files) {
    if (entries.length >= limits.maxFiles) {
      skipped.push(file);
      continue;
    }
    const st = await fs.stat(file).catch(() => undefined);
    if (!st) {
      entries.push({ path: file, absent: true });
      continue;
    }
    if (st.size > limits.maxFileBytes || total + st.size > limits.maxTotalBytes) {
      skipped.push(file);
      continue;
    }
    const bytes = await fs.readFile(file);
    total += bytes.length;
    const copy = `${entries.length}.snap`;
    await writeFileAtomic(path.join(dir, copy), bytes, { mode: 0o600 });
    entries.push({ path: file, absent: false, sha256: sha256(bytes), mode: st.mode & 0o7777, size: bytes.length, copy });
  }
  const snap = { dir, entries, skipped };
  await writeFileAtomic(path.join(dir, 'manifest.json'), `${JSON.stringify(snap, null, 2)}\n`, { mode: 0o600 });
  return snap;
}

async function current(file: string): Promise<Buffer | undefined> {
  return fs.readFile(file).catch(() => undefined);
}

async function before(snap: FileSnapshot, e: SnapshotEntry): Promise<Buffer> {
  return fs.readFile(path.join(snap.dir, e.copy!));
}

function textDiff(a: Buffer, b: Buffer): { diff: string[]; added: number; removed: number } {
  if (a.includes(0) || b.includes(0)) return { diff: ['(binary file changed)'], added: 0, removed: 0 };
  const d = lineDiff(a.toString('utf8'), b.toString('utf8'), 12);
  return { diff: d.truncated ? [...d.lines, '…'] : d.lines, added: d.added, removed: d.removed };
}

/** What changed since the snapshot (diff lines are raw: redact before showing them anywhere). */
export async function changesSince(snap: FileSnapshot): Promise<FileChange[]> {
  const out: FileChange[] = [];
  for (const e of snap.entries) {
    const now = await current(e.path);
    if (e.absent) {
      if (now) out.push({ path: e.path, kind: 'created', ...textDiff(Buffer.alloc(0), now) });
      continue;
    }
    if (!now) {
      out.push({ path: e.path, kind: 'deleted', diff: [], added: 0, removed: 0 });
      continue;
    }
    if (sha256(now) !== e.sha256) out.push({ path: e.path, kind: 'modified', ...textDiff(await before(snap, e), now) });
  }
  return out;
}

/** sha256 of each snapshotted file as it is now (null: absent), taken when the agent ends. */
export async function fileHashes(snap: FileSnapshot): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const e of snap.entries) {
    const now = await current(e.path);
    out[e.path] = now ? sha256(now) : null;
  }
  return out;
}

/** Saves bytes as `<i>.agent` (or `<i>.<n>.agent` when an earlier, different copy is there): never overwrites evidence. */
async function saveEvidence(dir: string, i: number, bytes: Buffer): Promise<string> {
  for (let n = 0; n < 100; n++) {
    const name = n === 0 ? `${i}.agent` : `${i}.${n}.agent`;
    const there = await current(path.join(dir, name));
    if (there && sha256(there) === sha256(bytes)) return name;
    if (!there) {
      await writeFileAtomic(path.join(dir, name), bytes, { mode: 0o600 });
      return name;
    }
  }
  throw new Error(`too many evidence copies of file #${i} in ${dir}`);
}

export interface RevertReport {
  /** Put back to their pre-run bytes. */
  reverted: string[];
  /** Changed after the agent ended (by someone else): left as they are, reported. */
  keptChangedAfterAgent: string[];
  /** Where the replaced (and the kept) contents were saved, 0600. */
  evidenceDir: string;
}

/**
 * Puts every changed file back to its saved bytes (atomically, with its mode). The current content of each
 * changed file is saved under afterDir first: evidence is never deleted. With `endHashes` (taken when the
 * agent ended), a file whose content changed since then was edited by someone else: it is never replaced.
 */
export async function revertSnapshot(snap: FileSnapshot, afterDir: string, endHashes?: Record<string, string | null>): Promise<RevertReport> {
  const reverted: string[] = [];
  const kept: string[] = [];
  const evidence: Array<{ path: string; copy: string | null; sha256: string | null; action: 'reverted' | 'kept' }> = [];
  await fs.mkdir(afterDir, { recursive: true, mode: 0o700 });
  for (const [i, e] of snap.entries.entries()) {
    const now = await current(e.path);
    const changed = e.absent ? now !== undefined : !now || sha256(now) !== e.sha256;
    if (!changed) continue;
    const hash = now ? sha256(now) : null;
    const copy = now ? await saveEvidence(afterDir, i, now) : null;
    if (endHashes && Object.hasOwn(endHashes, e.path) && endHashes[e.path] !== hash) {
      kept.push(e.path);
      evidence.push({ path: e.path, copy, sha256: hash, action: 'kept' });
      continue;
    }
    if (e.absent) await fs.rm(e.path, { force: true });
    else await writeFileAtomic(e.path, await before(snap, e), { mode: e.mode });
    reverted.push(e.path);
    evidence.push({ path: e.path, copy, sha256: hash, action: 'reverted' });
  }
  // A revert done again (after a daemon restart) adds to the record of the first; it never erases it.
  const manifest = path.join(afterDir, 'manifest.json');
  const earlier = await fs.readFile(manifest, 'utf8').then((t) => JSON.parse(t) as { evidence?: typeof evidence }, () => ({ evidence: [] }));
  const all = [...(earlier.evidence ?? []), ...evidence];
  await writeFileAtomic(
    manifest,
    `${JSON.stringify(
      {
        reverted: [...new Set(all.filter((x) => x.action === 'reverted').map((x) => x.path))],
        keptChangedAfterAgent: [...new Set(all.filter((x) => x.action === 'kept').map((x) => x.path))],
        evidence: all,
        entries: snap.entries,
      },
      null,
      2,
    )}\n`,
    { mode: 0o600 },
  );
  return { reverted, keptChangedAfterAgent: kept, evidenceDir: afterDir };
}
