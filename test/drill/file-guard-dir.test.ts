// A config whose directory went away during a drill comes back in that directory as it was (mode, owner), not root's 0700,
// and a directory the guard knows nothing of is not invented: the drill refuses and says where the bytes are.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, promises as fs, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE, tempDir } from '../helpers/daemon.js';
import { fileMeta, SERVICE_OWNER } from '../helpers/file-meta.js';
import { guardFile, recoverAbandonedGuards, releaseGuard, restoreFile } from '../../src/drill/file-guard.js';

const FILE_GUARD = fileURLToPath(new URL('../../dist/drill/file-guard.js', import.meta.url));
const GOOD = '{"name":"demo-gateway","port":18789}\n';

describe("the drill's file guard and the config's directory", () => {
  let root: string;
  let conf: string;
  let cfg: string;
  beforeEach(async () => {
    root = await fs.realpath(tempDir('clawback-guard-dir-'));
    conf = path.join(root, 'conf');
    cfg = path.join(conf, 'gateway.json');
    await fs.mkdir(conf);
    await fs.writeFile(cfg, GOOD);
    await fs.chown(conf, SERVICE_OWNER.uid, SERVICE_OWNER.gid);
    await fs.chmod(conf, 0o750);
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('a directory removed mid-drill comes back with its mode and owner', async () => {
    const g = guardFile(cfg, path.join(root, 'backups'));
    rmSync(conf, { recursive: true });
    expect(restoreFile(g)).toBe('restored');
    releaseGuard(g);
    expect(readFileSync(cfg, 'utf8')).toBe(GOOD);
    expect(await fileMeta(conf)).toMatchObject({ uid: SERVICE_OWNER.uid, gid: SERVICE_OWNER.gid, mode: 0o750 });
  });

  it('a killed drill\'s backup puts the directory back as it was too', async () => {
    const backups = path.join(root, 'backups');
    const script = `const g = await import(${JSON.stringify(FILE_GUARD)}); const fs = await import('node:fs');
      const guard = g.guardFile(${JSON.stringify(cfg)}, ${JSON.stringify(backups)}); g.noteDrillWrite(guard, undefined); fs.rmSync(${JSON.stringify(conf)}, { recursive: true });`;
    const r = spawnSync(NODE, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(recoverAbandonedGuards(backups)).toEqual([expect.stringContaining(`put back ${cfg}`)]);
    expect(readFileSync(cfg, 'utf8')).toBe(GOOD);
    expect(await fileMeta(conf)).toMatchObject({ uid: SERVICE_OWNER.uid, gid: SERVICE_OWNER.gid, mode: 0o750 });
  });

  it('a directory whose parent went too is not invented: refused, naming the kept bytes', () => {
    const deep = path.join(root, 'a', 'b');
    const file = path.join(deep, 'gateway.json');
    mkdirSync(deep, { recursive: true });
    writeFileSync(file, GOOD);
    const g = guardFile(file, path.join(root, 'backups'));
    rmSync(path.join(root, 'a'), { recursive: true });
    expect(() => restoreFile(g)).toThrow(new RegExp(`${deep} and its parent .* are gone.*kept in ${g.backupPath}`));
    expect(existsSync(path.join(root, 'a'))).toBe(false);
    expect(readFileSync(g.backupPath!, 'utf8')).toBe(GOOD);
  });
});
