// A config the service's user owns (the daemon runs as root, the gateway as `openclaw`) keeps its owner through every
// write of it: a restore, a rollback of the service's doctor, the agent's staged edit and the revert of a failed run.
// A root-owned 0600 file in its place is one the service can no longer read.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { runGuardedServiceDoctor } from '../../src/doctor/guarded-service-doctor.js';
import { revertSnapshot, takeSnapshot } from '../../src/emergency/file-snapshot.js';
import { applyStage, stageConfig } from '../../src/emergency/config-stage.js';
import { maybeRecordLastKnownGood } from '../../src/doctor/last-known-good.js';
import { GOOD_CONFIG, makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

/** The service's user and group: no account is needed for a numeric owner (these tests run as root, like the daemon). */
const SERVICE = { uid: 4242, gid: 4243 };
const BROKEN = '{"name":"demo-gateway","host":"127.0.0.1","port":"18789"}\n';

/** Whether a process running as the service's user can read the file (what the gateway does at start). */
function serviceCanRead(file: string): boolean {
  const r = spawnSync(process.execPath, ['-e', `require('node:fs').readFileSync(${JSON.stringify(file)})`], { ...SERVICE, stdio: 'pipe', timeout: 20_000 });
  return r.status === 0;
}

async function ownerOf(file: string): Promise<{ uid: number; gid: number; mode: number }> {
  const st = await fs.stat(file);
  return { uid: st.uid, gid: st.gid, mode: st.mode & 0o777 };
}

describe("a config owned by the service's user keeps its owner", () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
    // The service's user reaches its config (the temp dir is 0700 root's otherwise).
    await fs.chmod(fx.dir, 0o755);
  });
  afterEach(() => fx.cleanup());

  async function ownedByService(content: string): Promise<void> {
    await fs.writeFile(fx.configPath, content);
    await fs.chmod(fx.configPath, 0o600);
    await fs.chown(fx.configPath, SERVICE.uid, SERVICE.gid);
    expect(serviceCanRead(fx.configPath)).toBe(true);
  }

  it('a restore of the last-known-good copy (doctor --fix): owner and 0600 kept, the service can read it', async () => {
    await recordGood(fx);
    await ownedByService(BROKEN);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    expect(await ownerOf(fx.configPath)).toEqual({ ...SERVICE, mode: 0o600 });
    expect(serviceCanRead(fx.configPath)).toBe(true);
  });

  /** The evidence files kept beside the config (`<config>.corrupt-<time>`). */
  async function evidenceFiles(): Promise<string[]> {
    const base = path.basename(fx.configPath);
    return (await fs.readdir(fx.dir)).filter((n) => n.startsWith(`${base}.corrupt-`)).map((n) => path.join(fx.dir, n));
  }

  it('the broken config kept as evidence by a restore is owned like the config, no wider than it: the user can read and remove it', async () => {
    await recordGood(fx);
    await ownedByService(BROKEN);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    const kept = await evidenceFiles();
    expect(kept).toHaveLength(1);
    expect(await fs.readFile(kept[0]!, 'utf8')).toBe(BROKEN);
    expect(await ownerOf(kept[0]!)).toEqual({ ...SERVICE, mode: 0o600 });
    expect(serviceCanRead(kept[0]!)).toBe(true);
  });

  it("a rollback of the service's own doctor, which wrote a file of root's by rename: the original owner comes back", async () => {
    await ownedByService(GOOD_CONFIG);
    const doctor = await fx.script(
      'doctor.mjs',
      `import { writeFileSync, renameSync } from 'node:fs';
writeFileSync(${JSON.stringify(`${fx.configPath}.tmp`)}, ${JSON.stringify('{"name":"demo-gateway","host":"127.0.0.1","port":"oops"}\n')}, { mode: 0o600 });
renameSync(${JSON.stringify(`${fx.configPath}.tmp`)}, ${JSON.stringify(fx.configPath)});
`,
    );
    fx.withService({ doctor: { command: [process.execPath, doctor] } });
    const g = await runGuardedServiceDoctor(fx.ctx({ validity: new Map() }));
    expect(g.rolledBack).toBe(true);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    expect(await ownerOf(fx.configPath)).toEqual({ ...SERVICE, mode: 0o600 });
    expect(serviceCanRead(fx.configPath)).toBe(true);
    // The doctor's version, kept as evidence beside the user's config, is the user's too (not root's).
    const kept = await evidenceFiles();
    expect(kept).toHaveLength(1);
    expect(await ownerOf(kept[0]!)).toEqual({ ...SERVICE, mode: 0o600 });
  });

  it("a change of the service's own doctor that is kept, written by rename as root: its bytes stay, the service's owner comes back", async () => {
    await ownedByService(BROKEN);
    const doctor = await fx.script(
      'doctor.mjs',
      `import { writeFileSync, renameSync } from 'node:fs';
writeFileSync(${JSON.stringify(`${fx.configPath}.tmp`)}, ${JSON.stringify(GOOD_CONFIG)}, { mode: 0o600 });
renameSync(${JSON.stringify(`${fx.configPath}.tmp`)}, ${JSON.stringify(fx.configPath)});
`,
    );
    fx.withService({ doctor: { command: [process.execPath, doctor] } });
    const g = await runGuardedServiceDoctor(fx.ctx({ validity: new Map() }));
    expect(g.rolledBack).toBe(false);
    expect(g.changed).toBe(true);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    expect(await ownerOf(fx.configPath)).toEqual({ ...SERVICE, mode: 0o600 });
    expect(serviceCanRead(fx.configPath)).toBe(true);
    expect(g.message).toContain(`given back to ${SERVICE.uid}:${SERVICE.gid}`);
  });

  it("the agent's staged edit applied to the real config: owner kept", async () => {
    await ownedByService(BROKEN);
    const stage = (await stageConfig(fx.configPath, path.join(fx.stateDir, 'stage')))!;
    await fs.writeFile(stage.copyPath, GOOD_CONFIG);
    expect(await applyStage(stage)).toEqual({ kind: 'applied' });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    expect(await ownerOf(fx.configPath)).toEqual({ ...SERVICE, mode: 0o600 });
    expect(serviceCanRead(fx.configPath)).toBe(true);
  });

  it('the revert of a failed agent run that rewrote the config by rename: the pre-run owner comes back', async () => {
    await ownedByService(GOOD_CONFIG);
    const snap = await takeSnapshot([fx.configPath], [], path.join(fx.stateDir, 'agent-before'));
    // The agent (running as root, like the daemon) writes by rename: a new file of root's.
    const tmp = `${fx.configPath}.agent`;
    await fs.writeFile(tmp, BROKEN, { mode: 0o600 });
    await fs.rename(tmp, fx.configPath);
    expect((await ownerOf(fx.configPath)).uid).toBe(process.getuid!());
    const report = await revertSnapshot(snap, path.join(fx.stateDir, 'agent-after'));
    expect(report.reverted).toEqual([fx.configPath]);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    expect(await ownerOf(fx.configPath)).toEqual({ ...SERVICE, mode: 0o600 });
    expect(serviceCanRead(fx.configPath)).toBe(true);
  });

  /** The config as the daemon records it after a healthy spell with it (the file's own owner and mode included). */
  async function seenHealthy(): Promise<void> {
    const now = Date.now();
    const r = await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now, now });
    expect(r.recorded).toBe(true);
  }

  it('a deleted config restored from its copy seen healthy (doctor --fix): the service user owns it again, with its mode', async () => {
    await ownedByService(GOOD_CONFIG);
    await fs.chmod(fx.configPath, 0o640);
    await seenHealthy();
    await fs.rm(fx.configPath);

    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    expect(await ownerOf(fx.configPath)).toEqual({ ...SERVICE, mode: 0o640 });
    expect(serviceCanRead(fx.configPath)).toBe(true);
  });

  it("a config deleted with its directory (~/.openclaw): the directory comes back the service user's, so it can reach the file", async () => {
    const home = path.join(fx.dir, '.openclaw');
    const cfg = path.join(home, 'gateway.json');
    await fs.mkdir(home, { mode: 0o700 });
    await fs.chown(home, SERVICE.uid, SERVICE.gid);
    fx.withService({ configFile: { ...fx.service.configFile!, path: cfg } });
    await fs.writeFile(cfg, GOOD_CONFIG, { mode: 0o600 });
    await fs.chown(cfg, SERVICE.uid, SERVICE.gid);
    expect(serviceCanRead(cfg)).toBe(true);
    await seenHealthy();
    await fs.rm(home, { recursive: true });

    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(await fs.readFile(cfg, 'utf8')).toBe(GOOD_CONFIG);
    expect(await ownerOf(home)).toEqual({ ...SERVICE, mode: 0o700 });
    expect(await ownerOf(cfg)).toEqual({ ...SERVICE, mode: 0o600 });
    expect(serviceCanRead(cfg)).toBe(true);
  });
});
