// A second restore of one update's backup (the next daemon resuming a rollback its predecessor was killed in) keeps
// its evidence beside the first one's: the kept copies of what each failed run left share their names (0000-gw.json).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { readBackup, restoreBackup, takeBackup } from '../../src/update/state-backup.js';

describe('restoring one backup twice never overwrites the first restore’s evidence', () => {
  let dir: string;
  let backupDir: string;
  let cfg: string;
  let stateDir: string;

  beforeEach(async () => {
    dir = await fs.realpath(tempDir('clawback-backup-evidence-'));
    backupDir = path.join(dir, 'backup');
    cfg = path.join(dir, 'gw.json');
    stateDir = path.join(dir, 'state');
    await fs.mkdir(stateDir);
    await fs.writeFile(cfg, '{"port":1}\n');
    await fs.writeFile(path.join(stateDir, 'main.db'), 'rows\n');
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('the first failed run’s config and new file stay in after/, the second run’s go to after-2/', async () => {
    await takeBackup(backupDir, [cfg], [path.join(stateDir, '*.db')], 1);
    // The failed version's first run migrates the config and creates a file of its own.
    await fs.writeFile(cfg, '{"port":1,"schema":2}\n');
    await fs.writeFile(path.join(stateDir, 'cache.db'), 'first run\n');
    const first = await restoreBackup(backupDir, (await readBackup(backupDir))!);
    expect(first.restored).toEqual([cfg]);

    // Killed before `current` went back: the next daemon watched the failed version again, which did the same again.
    await fs.writeFile(cfg, '{"port":1,"schema":2,"run":2}\n');
    await fs.writeFile(path.join(stateDir, 'cache.db'), 'second run\n');
    const second = await restoreBackup(backupDir, (await readBackup(backupDir))!);
    expect(second.restored).toEqual([cfg]);
    expect(second.movedAside).toEqual([path.join(stateDir, 'cache.db')]);

    const read = (d: string, f: string): Promise<string> => fs.readFile(path.join(backupDir, d, f), 'utf8');
    expect((await fs.readdir(path.join(backupDir, 'after'))).sort()).toEqual(['0000-gw.json', '0001-cache.db']);
    expect(await read('after', '0000-gw.json')).toBe('{"port":1,"schema":2}\n');
    expect(await read('after', '0001-cache.db')).toBe('first run\n');
    expect(await read('after-2', '0000-gw.json')).toBe('{"port":1,"schema":2,"run":2}\n');
    expect(await read('after-2', '0001-cache.db')).toBe('second run\n');
    expect([first.evidenceDir, second.evidenceDir]).toEqual([path.join(backupDir, 'after'), path.join(backupDir, 'after-2')]);
    expect(((await fs.stat(path.join(backupDir, 'after-2'))).mode & 0o777)).toBe(0o700);
    expect(await fs.readFile(cfg, 'utf8')).toBe('{"port":1}\n');
  });

  it('a restore that finds nothing to keep makes no evidence directory', async () => {
    await takeBackup(backupDir, [cfg], [path.join(stateDir, '*.db')], 1);
    const r = await restoreBackup(backupDir, (await readBackup(backupDir))!);
    expect(r.unchanged.sort()).toEqual([cfg, path.join(stateDir, 'main.db')].sort());
    expect(r.evidenceDir).toBeUndefined();
    await expect(fs.access(path.join(backupDir, 'after'))).rejects.toThrow();
  });
});
