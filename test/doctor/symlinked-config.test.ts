// A config kept elsewhere and symlinked (a dotfiles repo) stays a link after the service's own doctor, which writes by
// rename and so replaces the link with a file: its result goes into the target and the link is put back.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runGuardedServiceDoctor } from '../../src/doctor/guarded-service-doctor.js';
import { GOOD_CONFIG, makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** A doctor that writes its result beside the config and renames it over the config path (as OpenClaw's does). */
const renamingDoctor = (configPath: string, content: string): string => `import { writeFileSync, renameSync } from 'node:fs';
writeFileSync(${JSON.stringify(`${configPath}.doctor-tmp`)}, ${JSON.stringify(content)}, { mode: 0o600 });
renameSync(${JSON.stringify(`${configPath}.doctor-tmp`)}, ${JSON.stringify(configPath)});
`;

describe('the service doctor and a symlinked config', () => {
  let fx: DoctorFixture;
  let target: string;
  beforeEach(async () => {
    fx = await makeFixture();
    target = path.join(fx.dir, 'dotfiles', 'gateway.json');
    await fs.mkdir(path.dirname(target));
    await fs.writeFile(target, GOOD_CONFIG, { mode: 0o644 });
    await fs.chmod(target, 0o644);
    await fs.rm(fx.configPath);
    await fs.symlink('dotfiles/gateway.json', fx.configPath);
    fx.withService({ configFile: { ...fx.service.configFile!, protect: ['port'] } });
  });
  afterEach(() => fx.cleanup());

  async function run(content: string): Promise<Awaited<ReturnType<typeof runGuardedServiceDoctor>>> {
    const doctor = await fx.script('doctor.mjs', renamingDoctor(fx.configPath, content));
    fx.withService({ doctor: { command: [process.execPath, doctor] } });
    return runGuardedServiceDoctor(fx.ctx({ validity: new Map() }));
  }

  it("a kept repair: the doctor's bytes land in the link's target, the link is back, the target's mode kept", async () => {
    const repaired = '{"name":"repaired","host":"127.0.0.1","port":18789}\n';
    const g = await run(repaired);
    expect(g.rolledBack).toBe(false);
    expect((await fs.lstat(fx.configPath)).isSymbolicLink()).toBe(true);
    expect(await fs.readlink(fx.configPath)).toBe('dotfiles/gateway.json');
    expect(await fs.readFile(target, 'utf8')).toBe(repaired);
    expect((await fs.stat(target)).mode & 0o777).toBe(0o644);
    expect(g.details.symlink).toMatchObject({ restored: true });
    expect(g.message).toContain('link put back');
  });

  it('a rolled-back repair: the link is back and points at the untouched original; the doctor\'s version is evidence', async () => {
    const g = await run('{"name":"demo-gateway","host":"127.0.0.1","port":"oops"}\n');
    expect(g.rolledBack).toBe(true);
    expect((await fs.lstat(fx.configPath)).isSymbolicLink()).toBe(true);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    expect(await fs.readFile(target, 'utf8')).toBe(GOOD_CONFIG);
    const evidence = (await fs.readdir(path.dirname(target))).filter((n) => n.startsWith('gateway.json.corrupt-'));
    expect(evidence).toHaveLength(1);
    expect(await fs.readFile(path.join(path.dirname(target), evidence[0]!), 'utf8')).toContain('oops');
  });
});
