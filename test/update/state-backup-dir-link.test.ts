// A state-file glob whose wildcard matched a directory that is a symbolic link (`agents/*/x.db`, one agent dir linked to
// another disk) was followed: the backup copied the file outside the state directory and the rollback wrote it back
// there (or moved aside a file it matched there). Now a glob never follows a link past its first wildcard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { readBackup, restoreBackup, takeBackup } from '../../src/update/state-backup.js';

describe('state backup globs and directory links', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.realpath(tempDir('clawback-backup-dirlink-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('neither copies, rewrites nor moves aside a file reached through a linked directory a wildcard matched', async () => {
    const state = path.join(dir, 'state');
    const outside = path.join(dir, 'outside');
    await fs.mkdir(path.join(state, 'agents', 'a'), { recursive: true });
    await fs.mkdir(outside);
    await fs.writeFile(path.join(state, 'agents', 'a', 'x.db'), 'a v1\n');
    await fs.writeFile(path.join(outside, 'x.db'), 'outside v1\n');
    await fs.symlink(outside, path.join(state, 'agents', 'linked'));
    const b = path.join(dir, 'b');
    const m = await takeBackup(b, [], [path.join(state, 'agents', '*', '*.db')], 1);
    expect(m.entries.map((e) => e.file)).toEqual([path.join(state, 'agents', 'a', 'x.db')]);

    // Meanwhile something else writes outside, and the new version migrates its own database.
    await fs.writeFile(path.join(outside, 'x.db'), 'outside v2\n');
    await fs.writeFile(path.join(outside, 'other.db'), 'not the state dir\n');
    await fs.writeFile(path.join(state, 'agents', 'a', 'x.db'), 'a v2\n');
    const r = await restoreBackup(b, (await readBackup(b))!);
    expect(r.restored).toEqual([path.join(state, 'agents', 'a', 'x.db')]);
    expect(r.movedAside).toEqual([]);
    expect(r.failed).toEqual([]);
    expect(await fs.readFile(path.join(state, 'agents', 'a', 'x.db'), 'utf8')).toBe('a v1\n');
    expect(await fs.readFile(path.join(outside, 'x.db'), 'utf8')).toBe('outside v2\n');
    expect(await fs.readFile(path.join(outside, 'other.db'), 'utf8')).toBe('not the state dir\n');
  });

  it('still follows a link in the exact part of the path (a state directory that is itself a link)', async () => {
    const real = path.join(dir, 'real-state');
    await fs.mkdir(path.join(real, 'agents', 'a'), { recursive: true });
    await fs.writeFile(path.join(real, 'agents', 'a', 'x.db'), 'v1\n');
    const linked = path.join(dir, 'linked-state');
    await fs.symlink(real, linked);
    const b = path.join(dir, 'b2');
    const m = await takeBackup(b, [], [path.join(linked, 'agents', '*', 'x.db')], 1);
    expect(m.entries.map((e) => e.file)).toEqual([path.join(linked, 'agents', 'a', 'x.db')]);
    await fs.writeFile(path.join(real, 'agents', 'a', 'x.db'), 'v2\n');
    const r = await restoreBackup(b, (await readBackup(b))!);
    expect(r.restored).toEqual([path.join(linked, 'agents', 'a', 'x.db')]);
    expect(await fs.readFile(path.join(real, 'agents', 'a', 'x.db'), 'utf8')).toBe('v1\n');
  });

  it('never writes through a directory replaced by a link after the backup; the rest is restored, the copy kept', async () => {
    // Found in QA: with state/agents replaced by a link to another tree after the backup, the rollback wrote the old
    // bytes through it (outside the state directory) and moved aside the other tree's files its globs now matched.
    const state = path.join(dir, 's3');
    const elsewhere = path.join(dir, 'elsewhere');
    await fs.mkdir(path.join(state, 'agents', 'a'), { recursive: true });
    await fs.mkdir(path.join(state, 'db'), { recursive: true });
    await fs.writeFile(path.join(state, 'agents', 'a', 'x.db'), 'a v1\n');
    await fs.writeFile(path.join(state, 'db', 'main.db'), 'main v1\n');
    const b = path.join(dir, 'b3');
    const patterns = [path.join(state, 'agents', '*', '*.db'), path.join(state, 'db', '*.db')];
    const cfg = path.join(state, 'gw.json');
    await fs.writeFile(cfg, 'cfg v1\n');
    await takeBackup(b, [cfg], patterns, 1);

    // The new version migrates its config, moves agents/ and db/ away and leaves links in their place.
    await fs.writeFile(cfg, 'cfg v2\n');
    await fs.mkdir(path.join(elsewhere, 'agents', 'a'), { recursive: true });
    await fs.mkdir(path.join(elsewhere, 'db'), { recursive: true });
    await fs.writeFile(path.join(elsewhere, 'agents', 'a', 'x.db'), 'elsewhere a\n');
    await fs.writeFile(path.join(elsewhere, 'db', 'main.db'), 'elsewhere main\n');
    await fs.writeFile(path.join(elsewhere, 'db', 'other.db'), 'elsewhere other\n');
    await fs.rename(path.join(state, 'agents'), path.join(dir, 'agents-moved'));
    await fs.symlink(path.join(elsewhere, 'agents'), path.join(state, 'agents'));
    await fs.rename(path.join(state, 'db'), path.join(dir, 'db-moved'));
    await fs.symlink(path.join(elsewhere, 'db'), path.join(state, 'db'));

    const r = await restoreBackup(b, (await readBackup(b))!);
    expect(r.restored).toEqual([cfg]);
    expect(await fs.readFile(cfg, 'utf8')).toBe('cfg v1\n');
    expect(r.movedAside).toEqual([]);
    expect(r.failed.map((f) => f.file).sort()).toEqual([...patterns, path.join(state, 'agents', 'a', 'x.db'), path.join(state, 'db', 'main.db')].sort());
    const agent = r.failed.find((f) => f.file === path.join(state, 'agents', 'a', 'x.db'))!;
    expect(agent.error).toContain(`now leads to ${path.join(elsewhere, 'agents', 'a')}, not to ${path.join(state, 'agents', 'a')}`);
    expect(agent.error).toContain(`its copy stays in ${b}`);
    for (const [f, want] of [['agents/a/x.db', 'elsewhere a\n'], ['db/main.db', 'elsewhere main\n'], ['db/other.db', 'elsewhere other\n']] as const) {
      expect(await fs.readFile(path.join(elsewhere, f), 'utf8')).toBe(want);
    }

    // The user puts the real directory back: the same backup restores it.
    await fs.rm(path.join(state, 'agents'));
    await fs.rename(path.join(dir, 'agents-moved'), path.join(state, 'agents'));
    await fs.writeFile(path.join(state, 'agents', 'a', 'x.db'), 'a v2\n');
    const again = await restoreBackup(b, (await readBackup(b))!);
    expect(again.restored).toEqual([path.join(state, 'agents', 'a', 'x.db')]);
    expect(await fs.readFile(path.join(state, 'agents', 'a', 'x.db'), 'utf8')).toBe('a v1\n');
  });
});
