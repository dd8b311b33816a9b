// `clawback update gw 1.0.1` while gw.json `$include`s files outside its folder ("../secrets/auth.json", an absolute
// path, a link in the folder pointing out of it): the plan listed them as plain included files, the backup copied them
// and a rollback wrote them back out there. OpenClaw refuses such an include (its path, and the file it resolves to
// through links, must be inside the config's folder), so the new version would be refused the config: the plan now names
// each one as outside the folder and the update is refused before anything is stopped, copied or written.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { startUpdateHarness, type UpdateHarness } from './update-harness.js';

let h: UpdateHarness;
let top: string;
let secret: string;
let abs: string;
let link: string;
beforeAll(async () => {
  top = await fs.realpath(tempDir('clawback-outside-'));
  const cfgDir = path.join(top, 'cfg');
  await fs.mkdir(path.join(top, 'secrets'), { recursive: true });
  await fs.mkdir(cfgDir, { recursive: true });
  secret = path.join(top, 'secrets', 'auth.json');
  abs = path.join(top, 'secrets', 'abs.json');
  link = path.join(cfgDir, 'linked.json');
  await fs.writeFile(secret, JSON.stringify({ gateway: { auth: { token: 'outside-1' } } }));
  await fs.writeFile(abs, JSON.stringify({ agents: {} }));
  await fs.writeFile(path.join(top, 'secrets', 'target.json'), JSON.stringify({ channels: {} }));
  await fs.symlink(path.join(top, 'secrets', 'target.json'), link);
  await fs.writeFile(path.join(cfgDir, 'inside.json'), JSON.stringify({ ui: {} }));
  h = await startUpdateHarness({ packages: [['1.0.0', 'good'], ['1.0.1', 'good']], filesDir: cfgDir });
  await fs.writeFile(h.cfgPath, JSON.stringify({ port: h.port, $include: ['./inside.json', '../secrets/auth.json', abs, './linked.json'] }));
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await fs.rm(top, { recursive: true, force: true });
});

describe('an update of a service whose config $includes files outside its folder', () => {
  it('names each one as outside the folder and is refused before anything is stopped or written', async () => {
    const dry = await runCli(['update', 'gw', '1.0.1', '--dry-run', '--state-dir', h.td.stateDir], { timeoutMs: 60_000 });
    const out = dry.stdout + dry.stderr;
    const blocked = out.split('\n').find((l) => l.includes('blocked:')) ?? '';
    for (const f of [secret, abs, link]) expect(blocked, out).toContain(`${f} (outside the config's folder`);
    expect(blocked, out).not.toContain('inside.json');
    // The backup line does not claim to copy them.
    const backupLine = out.split('\n').find((l) => /\bbackup: /.test(l)) ?? '';
    expect(backupLine, out).toContain(path.join(path.dirname(h.cfgPath), 'inside.json'));
    expect(backupLine, out).toMatch(/not backed up, so not put back by a rollback: .*secrets\/auth\.json \(outside/);

    const before = await fs.readFile(secret, 'utf8');
    const r = await h.update('1.0.1');
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const view = await h.finished(r.body.runId);
    expect(view.report?.outcome, JSON.stringify(view.report)).toBe('blocked');
    expect(view.steps.map((s) => s.step)).not.toContain('stop');
    expect(await h.current()).toBe('1.0.0');
    expect(await h.version()).toBe('1.0.0');
    expect(await fs.readFile(secret, 'utf8')).toBe(before);
    // Nothing was copied for a rollback to write back out there.
    const updates = path.join(h.td.stateDir, 'updates', 'gw');
    expect(await fs.readdir(updates).catch(() => [])).toEqual([]);
  }, 150_000);
});
