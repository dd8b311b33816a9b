// An update's rollback puts the service's config and state back as they were, not merely their bytes: the service
// user's owner and mode, the user's symbolic link (its target written, the link kept) and every hard-linked name.
// A root-owned copy, a link turned into a plain file or a split inode is a rollback the service cannot use.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { fileMeta, SERVICE_OWNER } from '../helpers/file-meta.js';
import { readBackup, restoreBackup, takeBackup } from '../../src/update/state-backup.js';

const SERVICE = SERVICE_OWNER;
const OLD = '{"port":18789}\n';
const NEW = '{"port":18789,"schema":2}\n';

const meta = fileMeta;

describe('update backup and rollback keep owner, mode, symbolic link and hard links', () => {
  let dir: string;
  let backupDir: string;
  let real: string;
  let twin: string;
  let cfg: string;
  let db: string;
  let dbTwin: string;

  beforeEach(async () => {
    dir = await fs.realpath(tempDir('clawback-backup-owner-'));
    backupDir = path.join(dir, 'backup');
    // The config the daemon is given is the user's link to a file their dotfiles also hold under a second name.
    real = path.join(dir, 'dotfiles', 'gw.json');
    twin = path.join(dir, 'dotfiles', 'gw-copy.json');
    cfg = path.join(dir, 'gw.json');
    await fs.mkdir(path.dirname(real));
    await fs.writeFile(real, OLD);
    await fs.link(real, twin);
    await fs.symlink('dotfiles/gw.json', cfg);
    db = path.join(dir, 'state', 'main.db');
    dbTwin = path.join(dir, 'state', 'main.db.snapshot');
    await fs.mkdir(path.dirname(db));
    await fs.writeFile(db, 'rows\n');
    await fs.link(db, dbTwin);
    for (const f of [real, db]) {
      await fs.chown(f, SERVICE.uid, SERVICE.gid);
      await fs.chmod(f, 0o640);
    }
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a version that edited both files in place: the link stays, every name has the old bytes, owner and mode kept', async () => {
    const before = { real: await meta(real), db: await meta(db) };
    const manifest = await takeBackup(backupDir, [cfg], [path.join(dir, 'state', '*.db')], 1);
    // The new version rewrites its config and migrates its database in place (same inode), as fake-gw 3.0.0 does.
    await fs.writeFile(cfg, NEW);
    await fs.appendFile(db, 'migrated by 3.0.0\n');

    const report = await restoreBackup(backupDir, (await readBackup(backupDir)) ?? manifest);
    expect(report.restored.sort()).toEqual([cfg, db].sort());
    expect(await fs.readlink(cfg)).toBe('dotfiles/gw.json');
    for (const f of [cfg, real, twin]) expect(await fs.readFile(f, 'utf8')).toBe(OLD);
    for (const f of [db, dbTwin]) expect(await fs.readFile(f, 'utf8')).toBe('rows\n');
    expect(await meta(real)).toEqual(before.real);
    expect(await meta(db)).toEqual(before.db);
    // What the failed version left is kept as evidence.
    const after = await fs.readdir(path.join(backupDir, 'after'));
    expect(after.sort()).toEqual(['0000-gw.json', '0001-main.db']);
    expect(await fs.readFile(path.join(backupDir, 'after', '0000-gw.json'), 'utf8')).toBe(NEW);
  });

  it('a version that replaced the link by a plain file: the link is put back, its target untouched, the file kept as evidence', async () => {
    const before = await meta(real);
    await takeBackup(backupDir, [cfg], [], 1);
    await fs.rm(cfg);
    await fs.writeFile(cfg, NEW);

    const report = await restoreBackup(backupDir, (await readBackup(backupDir))!);
    expect(report.restored).toEqual([cfg]);
    expect((await fs.lstat(cfg)).isSymbolicLink()).toBe(true);
    expect(await fs.readlink(cfg)).toBe('dotfiles/gw.json');
    expect(await fs.readFile(real, 'utf8')).toBe(OLD);
    expect(await meta(real)).toEqual(before);
    expect(await fs.readFile(path.join(backupDir, 'after', '0000-gw.json'), 'utf8')).toBe(NEW);
  });

  it('a single-name file the version replaced (a root-owned 0600 file now): the service user owns it again', async () => {
    await fs.rm(dbTwin);
    await takeBackup(backupDir, [db], [], 1);
    await fs.rm(db);
    await fs.writeFile(db, 'migrated\n', { mode: 0o600 });

    await restoreBackup(backupDir, (await readBackup(backupDir))!);
    expect(await fs.readFile(db, 'utf8')).toBe('rows\n');
    expect(await meta(db)).toMatchObject({ ...SERVICE, mode: 0o640, nlink: 1 });
  });

  it('a backup taken before owners and links were recorded still restores, through the link that is there', async () => {
    await takeBackup(backupDir, [cfg], [], 1);
    const manifest = (await readBackup(backupDir))!;
    const old = { ...manifest, entries: manifest.entries.map(({ uid: _u, gid: _g, link: _l, ...e }) => e) };
    await fs.writeFile(cfg, NEW);

    const report = await restoreBackup(backupDir, old);
    expect(report.restored).toEqual([cfg]);
    expect(await fs.readlink(cfg)).toBe('dotfiles/gw.json');
    for (const f of [real, twin]) expect(await fs.readFile(f, 'utf8')).toBe(OLD);
  });

  it('a version that only chowned and chmodded its files (same bytes): the rollback gives the service user its owner and mode back', async () => {
    const before = { real: await meta(real), db: await meta(db) };
    await takeBackup(backupDir, [cfg], [path.join(dir, 'state', '*.db')], 1);
    // The new version's migration leaves every byte as it was but makes the files root's and 0600 (edited in place).
    for (const f of [real, db]) {
      await fs.chown(f, 0, 0);
      await fs.chmod(f, 0o600);
    }

    const report = await restoreBackup(backupDir, (await readBackup(backupDir))!);
    expect(report.restored.sort()).toEqual([cfg, db].sort());
    expect(report.unchanged).toEqual([]);
    expect(await meta(real)).toEqual(before.real);
    expect(await meta(db)).toEqual(before.db);
    expect(await fs.readlink(cfg)).toBe('dotfiles/gw.json');
    for (const f of [cfg, real, twin]) expect(await fs.readFile(f, 'utf8')).toBe(OLD);
  });

  it('a version that replaced the link by a plain copy of the same bytes: the link is put back', async () => {
    const before = await meta(real);
    await takeBackup(backupDir, [cfg], [], 1);
    await fs.rm(cfg);
    await fs.writeFile(cfg, OLD);

    const report = await restoreBackup(backupDir, (await readBackup(backupDir))!);
    expect(report.restored).toEqual([cfg]);
    expect((await fs.lstat(cfg)).isSymbolicLink()).toBe(true);
    expect(await fs.readlink(cfg)).toBe('dotfiles/gw.json');
    expect(await meta(real)).toEqual(before);
    expect(await fs.readFile(twin, 'utf8')).toBe(OLD);
  });

  it('files the version left exactly as they were are not rewritten', async () => {
    const before = { real: await meta(real), db: await meta(db) };
    await takeBackup(backupDir, [cfg], [path.join(dir, 'state', '*.db')], 1);

    const report = await restoreBackup(backupDir, (await readBackup(backupDir))!);
    expect(report.restored).toEqual([]);
    expect(report.unchanged.sort()).toEqual([cfg, db].sort());
    expect(await meta(real)).toEqual(before.real);
    expect(await meta(db)).toEqual(before.db);
  });
});
