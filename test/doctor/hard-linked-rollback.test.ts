// The service's own doctor may edit a hard-linked config in place (every name sees its edit). Rolling that edit back
// by rename would put back one name only and leave the others with the damage: a rollback writes such a file in place,
// keeping its inode, owner and mode. Forward repairs still refuse hard-linked files (config-write-guard).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { serviceDoctorRule, DOCTOR_ROLLED_BACK } from '../../src/doctor/rule-service-doctor.js';
import { GOOD_CONFIG, makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** The service's user and group: no account is needed for a numeric owner (these tests run as root, like the daemon). */
const SERVICE = { uid: 4242, gid: 4243 };

/** A doctor that edits the JSON file named by argv[2] in place (same inode): drops `key`, so a protected setting is lost. */
const inPlaceDropper = (key: string): string => `import { readFileSync, writeFileSync } from 'node:fs';
const c = JSON.parse(readFileSync(process.argv[2], 'utf8'));
delete c[${JSON.stringify(key)}];
writeFileSync(process.argv[2], JSON.stringify(c) + '\\n');
`;

/** A doctor that writes its result beside the config and renames it over the path given (as OpenClaw's does). */
const renamingDoctor = `import { readFileSync, writeFileSync, renameSync } from 'node:fs';
const c = JSON.parse(readFileSync(process.argv[2], 'utf8'));
c.logLevel = 'info';
writeFileSync(process.argv[2] + '.tmp', JSON.stringify(c) + '\\n');
renameSync(process.argv[2] + '.tmp', process.argv[2]);
`;

async function meta(file: string): Promise<{ ino: number; nlink: number; uid: number; gid: number; mode: number }> {
  const st = await fs.stat(file);
  return { ino: st.ino, nlink: st.nlink, uid: st.uid, gid: st.gid, mode: st.mode & 0o777 };
}

describe('a rollback of the service doctor does not split a hard-linked file', () => {
  let fx: DoctorFixture;
  let real: string;
  let twin: string;
  beforeEach(async () => {
    fx = await makeFixture();
    // The config is the user's link into a dotfiles directory, where the file has a second name, owned by the service's user.
    real = path.join(fx.dir, 'dotfiles', 'gateway.json');
    twin = path.join(fx.dir, 'dotfiles', 'gateway-copy.json');
    await fs.mkdir(path.dirname(real));
    await fs.rename(fx.configPath, real);
    await fs.link(real, twin);
    await fs.symlink('dotfiles/gateway.json', fx.configPath);
    await fs.chown(real, SERVICE.uid, SERVICE.gid);
    await fs.chmod(real, 0o640);
  });
  afterEach(() => fx.cleanup());

  it('the main config edited in place and rolled back: both names have the original, one inode, owner and mode kept', async () => {
    const before = await meta(real);
    const doctor = await fx.script('drop-port.mjs', inPlaceDropper('port'));
    fx.withService({ doctor: { command: [process.execPath, doctor, fx.configPath] }, configFile: { ...fx.service.configFile!, protect: ['port'] } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    const out = report.outcomes[0]!;
    expect(out.message).toContain(DOCTOR_ROLLED_BACK);
    expect(out.message).toContain('removed port (protected)');
    expect(await fs.readlink(fx.configPath)).toBe('dotfiles/gateway.json');
    for (const f of [fx.configPath, real, twin]) expect(await fs.readFile(f, 'utf8')).toBe(GOOD_CONFIG);
    expect(await meta(real)).toEqual(before);
    expect(await meta(twin)).toEqual(before);
    // The doctor's version is kept as evidence.
    const kept = (await fs.readdir(path.dirname(real))).filter((n) => n.startsWith('gateway.json.corrupt-'));
    expect(kept).toHaveLength(1);
    expect(JSON.parse(await fs.readFile(path.join(path.dirname(real), kept[0]!), 'utf8'))).toEqual({ name: 'demo-gateway', host: '127.0.0.1' });
  });

  it('an included file edited in place and rolled back: both its names have the original, one inode', async () => {
    const inc = path.join(fx.dir, 'auth.json');
    const incTwin = path.join(fx.dir, 'auth-shared.json');
    const auth = '{"token":"s3cret-token-value","mode":"token"}\n';
    await fs.writeFile(inc, auth, { mode: 0o600 });
    await fs.link(inc, incTwin);
    await fs.writeFile(real, '{"name":"demo-gateway","port":18789,"auth":{"$include":"./auth.json"}}\n');
    const before = await meta(inc);
    const doctor = await fx.script('drop-token.mjs', inPlaceDropper('token'));
    fx.withService({ doctor: { command: [process.execPath, doctor, inc] }, configFile: { ...fx.service.configFile!, protect: ['auth'] } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    const out = report.outcomes[0]!;
    expect(out.message).toContain(DOCTOR_ROLLED_BACK);
    expect(out.message).toContain(`included file(s) it changed, rolled back: ${inc}`);
    for (const f of [inc, incTwin]) expect(await fs.readFile(f, 'utf8')).toBe(auth);
    expect(await meta(inc)).toEqual(before);
    expect(JSON.stringify(out)).not.toContain('s3cret-token-value');
  });

  it('a doctor that replaced the link by a file: its result goes into the target in place, so every name of it has it', async () => {
    const before = await meta(real);
    const doctor = await fx.script('rename.mjs', renamingDoctor);
    fx.withService({ doctor: { command: [process.execPath, doctor, fx.configPath] } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(await fs.readlink(fx.configPath)).toBe('dotfiles/gateway.json');
    const kept = `${JSON.stringify({ ...JSON.parse(GOOD_CONFIG), logLevel: 'info' })}\n`;
    for (const f of [fx.configPath, real, twin]) expect(await fs.readFile(f, 'utf8')).toBe(kept);
    expect(await meta(real)).toEqual(before);
  });
});
