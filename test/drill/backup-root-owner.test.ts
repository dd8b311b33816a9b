// The drill backups dir beside the state dir follows the state dir's owner: a drill run as root, killed mid-fault,
// leaves backups the service user (its next drill, or its daemon) can put back; one it cannot read is said, not skipped.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs, existsSync, mkdirSync, writeFileSync, chownSync, chmodSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/daemon.js';
import { SERVICE_OWNER } from '../helpers/file-meta.js';
import { guardFile, noteDrillWrite } from '../../src/drill/file-guard.js';
import { drillBackupRoot } from '../../src/drill/drill-leftovers.js';
import { stateDirOwner } from '../../src/drill/backup-root.js';

const GOOD = '{"name":"demo-gateway","port":18789}\n';
const BAD = '{"port":';
const DIST_GUARD = fileURLToPath(new URL('../../dist/drill/file-guard.js', import.meta.url));
const DIST_LEFTOVERS = fileURLToPath(new URL('../../dist/drill/drill-leftovers.js', import.meta.url));

/** recoverAbandonedGuards as the service user, in its own process (as its next drill or daemon start would run it). */
function recoverAsServiceUser(stateDir: string): string[] {
  const script = `const g = await import(${JSON.stringify(DIST_GUARD)}); const l = await import(${JSON.stringify(DIST_LEFTOVERS)});
process.stdout.write(JSON.stringify(g.recoverAbandonedGuards(l.drillBackupRoots(${JSON.stringify(stateDir)}))));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { uid: SERVICE_OWNER.uid, gid: SERVICE_OWNER.gid, env: { PATH: process.env.PATH ?? '', TMPDIR: stateDir }, timeout: 20_000 });
  return JSON.parse(out.toString()) as string[];
}

describe.runIf(process.getuid?.() === 0)('drill backups beside the state dir belong to its owner', () => {
  let dir: string;
  let stateDir: string;
  let cfg: string;
  beforeEach(async () => {
    dir = await fs.realpath(tempDir('clawback-backup-root-'));
    chmodSync(dir, 0o755);
    stateDir = path.join(dir, 'state');
    mkdirSync(stateDir);
    cfg = path.join(dir, 'gateway.json');
    writeFileSync(cfg, GOOD);
    for (const p of [dir, stateDir, cfg]) chownSync(p, SERVICE_OWNER.uid, SERVICE_OWNER.gid);
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("a root drill killed mid-fault: the service user's next drill puts the file back", async () => {
    const root = drillBackupRoot(stateDir);
    const g = guardFile(cfg, root, stateDirOwner(stateDir));
    noteDrillWrite(g, Buffer.from(BAD));
    writeFileSync(cfg, BAD);
    // The drill is "killed" here: its guard names this (live) test process, so hand it a pid that is gone.
    const manifest = path.join(path.dirname(g.backupPath!), 'guard.json');
    const m = JSON.parse(await fs.readFile(manifest, 'utf8')) as { owner: { pid: number; startTime: number | null } };
    writeFileSync(manifest, JSON.stringify({ ...m, owner: { pid: 2 ** 22 + 1, startTime: null } }));
    for (const p of [root, path.dirname(g.backupPath!), g.backupPath!, manifest]) {
      expect({ p, uid: statSync(p).uid }).toEqual({ p, uid: SERVICE_OWNER.uid });
    }
    const lines = recoverAsServiceUser(stateDir);
    expect(lines.join('\n')).toMatch(/^put back .*gateway\.json/);
    expect(await fs.readFile(cfg, 'utf8')).toBe(GOOD);
    expect(existsSync(root)).toBe(false);
  });

  it('backups the service user cannot read (an older root drill) are named, not passed over', () => {
    const root = drillBackupRoot(stateDir);
    mkdirSync(path.join(root, 'clawback-drill-backup-old'), { recursive: true, mode: 0o700 });
    chmodSync(root, 0o700);
    const lines = recoverAsServiceUser(stateDir);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`cannot read the drill backup ${root} (owned by uid 0, mode 0700) as uid ${SERVICE_OWNER.uid}`);
  });
});
