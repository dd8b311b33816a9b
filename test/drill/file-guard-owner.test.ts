// The drill's file guard puts a config back as it was, not merely its bytes: the service user's owner and mode, and
// every hard-linked name. A drill run as root that left the config root's would take down the service it drilled.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs, writeFileSync, rmSync, linkSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { fileMeta, SERVICE_OWNER } from '../helpers/file-meta.js';
import { guardFile, releaseGuard, restoreFile } from '../../src/drill/file-guard.js';

const SERVICE = SERVICE_OWNER;
const GOOD = '{"name":"demo-gateway","port":18789}\n';

const meta = fileMeta;

describe("the drill's file guard keeps owner, mode and hard links", () => {
  let dir: string;
  let cfg: string;
  beforeEach(async () => {
    dir = await fs.realpath(tempDir('clawback-guard-owner-'));
    cfg = path.join(dir, 'gateway.json');
    await fs.writeFile(cfg, GOOD);
    await fs.chown(cfg, SERVICE.uid, SERVICE.gid);
    await fs.chmod(cfg, 0o640);
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a config the drill deleted comes back owned by the service user, with its mode', async () => {
    const before = await meta(cfg);
    const g = guardFile(cfg);
    rmSync(cfg);
    expect(restoreFile(g)).toBe('restored');
    releaseGuard(g);
    expect(await fs.readFile(cfg, 'utf8')).toBe(GOOD);
    expect(await meta(cfg)).toMatchObject({ uid: before.uid, gid: before.gid, mode: before.mode, nlink: 1 });
  });

  it('a config the drill replaced by a root-owned file (as the doctor or a rename would) gets its owner back', async () => {
    const before = await meta(cfg);
    const g = guardFile(cfg);
    rmSync(cfg);
    writeFileSync(cfg, '{"port":', { mode: 0o600 });
    expect(restoreFile(g)).toBe('restored');
    releaseGuard(g); // its backup in $TMPDIR, else announced by every later drill on this machine
    expect(await fs.readFile(cfg, 'utf8')).toBe(GOOD);
    expect(await meta(cfg)).toMatchObject({ uid: before.uid, gid: before.gid, mode: before.mode });
  });

  it('a hard-linked config the drill corrupted in place: every name has the bytes back, still one inode', async () => {
    const twin = path.join(dir, 'gateway.copy.json');
    linkSync(cfg, twin);
    const before = await meta(cfg);
    const g = guardFile(cfg);
    writeFileSync(cfg, '{"port":');
    expect(restoreFile(g)).toBe('restored');
    releaseGuard(g);
    for (const f of [cfg, twin]) expect(await fs.readFile(f, 'utf8')).toBe(GOOD);
    expect(await meta(cfg)).toEqual(before);
    expect(await meta(twin)).toEqual(before);
    expect((await fs.readdir(dir)).sort()).toEqual(['gateway.copy.json', 'gateway.json']);
  });
});
