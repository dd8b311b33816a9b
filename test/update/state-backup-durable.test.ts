// An update's backup is durable before its manifest exists: after a power cut, a manifest.json that names copies the
// disk never got (empty or short files) would make a rollback put empty files back over the user's config and state.
// Counted at the edge: node:fs is wrapped and every fsync and rename is logged in order.
import { afterEach, describe, expect, it, vi } from 'vitest';

type Op = { op: 'sync'; path: string } | { op: 'rename'; from: string; to: string };
const log = vi.hoisted(() => ({ ops: [] as Array<{ op: 'sync'; path: string } | { op: 'rename'; from: string; to: string }> }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const open = (async (...args: Parameters<typeof fs.promises.open>) => {
    const handle = await fs.promises.open(...args);
    const sync = handle.sync.bind(handle);
    Object.assign(handle, {
      sync: async () => {
        await sync();
        log.ops.push({ op: 'sync', path: String(args[0]) });
      },
    });
    return handle;
  }) as typeof fs.promises.open;
  const rename = (async (from: import('node:fs').PathLike, to: import('node:fs').PathLike) => {
    await fs.promises.rename(from, to);
    log.ops.push({ op: 'rename', from: String(from), to: String(to) });
  }) as typeof fs.promises.rename;
  const promises = { ...fs.promises, open, rename };
  return { ...fs, default: { ...fs, promises }, promises };
});

const { promises: fs } = await import('node:fs');
const path = await import('node:path');
const { tempDir } = await import('../helpers/daemon.js');
const { readBackup, restoreBackup, takeBackup } = await import('../../src/update/state-backup.js');

let dir: string | undefined;
afterEach(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('takeBackup: every copy, and the directory naming it, is fsynced before manifest.json appears', () => {
  it('a config and two state files', async () => {
    dir = await fs.realpath(tempDir('clawback-backup-durable-'));
    const cfg = path.join(dir, 'gw.json');
    await fs.mkdir(path.join(dir, 'state'));
    await fs.writeFile(cfg, '{"port":1}\n');
    await fs.writeFile(path.join(dir, 'state', 'main.db'), 'rows\n'.repeat(1000));
    await fs.writeFile(path.join(dir, 'state', 'main.db-wal'), 'wal\n');
    const backupDir = path.join(dir, 'backup');
    log.ops.length = 0;
    const manifest = await takeBackup(backupDir, [cfg], [path.join(dir, 'state', 'main.db*')], 1);
    expect(manifest.entries).toHaveLength(3);

    // Replay the log: which names hold fsynced bytes, and which of those names the directory has fsynced.
    const contentSynced = new Set<string>();
    const named = new Set<string>();
    let entriesDurable = new Set<string>();
    let atManifest: { content: Set<string>; entries: Set<string> } | undefined;
    for (const o of log.ops as Op[]) {
      if (o.op === 'sync' && o.path === backupDir) entriesDurable = new Set(named);
      else if (o.op === 'sync') contentSynced.add(o.path);
      else {
        if (contentSynced.has(o.from)) contentSynced.add(o.to);
        named.add(o.to);
        if (o.to === path.join(backupDir, 'manifest.json')) atManifest ??= { content: new Set(contentSynced), entries: new Set(entriesDurable) };
      }
    }
    expect(atManifest).toBeDefined();
    for (const e of manifest.entries) {
      const copy = path.join(backupDir, e.stored);
      expect({ copy, bytesSynced: atManifest!.content.has(copy) }).toEqual({ copy, bytesSynced: true });
      expect({ copy, nameSynced: atManifest!.entries.has(copy) }).toEqual({ copy, nameSynced: true });
      expect((await fs.readFile(copy)).length).toBe(e.bytes);
    }
    // No temporary file is left beside the copies.
    expect((await fs.readdir(backupDir)).sort()).toEqual(['manifest.json', ...manifest.entries.map((e) => e.stored)].sort());
  });

  it('a rollback keeps what the failed version left durably before it rewrites the file (a hard-linked one in place)', async () => {
    dir = await fs.realpath(tempDir('clawback-backup-durable-'));
    const db = path.join(dir, 'main.db');
    await fs.writeFile(db, 'rows\n');
    await fs.link(db, path.join(dir, 'main.db.snapshot'));
    const backupDir = path.join(dir, 'backup');
    await takeBackup(backupDir, [db], [], 1);
    await fs.appendFile(db, 'migrated by the failed version\n');
    log.ops.length = 0;
    const r = await restoreBackup(backupDir, (await readBackup(backupDir))!);
    expect(r.restored).toEqual([db]);
    const evidence = path.join(backupDir, 'after', '0000-main.db');
    expect(await fs.readFile(evidence, 'utf8')).toBe('rows\nmigrated by the failed version\n');
    // The in-place put-back syncs the database itself: by then the evidence's bytes and name are on disk.
    const putBack = (log.ops as Op[]).findIndex((o) => o.op === 'sync' && o.path === db);
    expect(putBack).toBeGreaterThan(-1);
    const before = (log.ops as Op[]).slice(0, putBack);
    const tmp = before.find((o): o is Extract<Op, { op: 'rename' }> => o.op === 'rename' && o.to === evidence);
    expect(tmp).toBeDefined();
    expect(before.some((o) => o.op === 'sync' && o.path === tmp!.from)).toBe(true);
    expect(before.findIndex((o) => o.op === 'sync' && o.path === path.dirname(evidence))).toBeGreaterThan(before.indexOf(tmp!));
    expect(await fs.readFile(db, 'utf8')).toBe('rows\n');
  });
});
