// `clawback update gw --dry-run` with a split config: the backup copies gw.json and the files it `$include`s (since
// configFilesOf), but the plan's backup line named gw.json only, and an include that could not be read (missing, larger
// than a config is read, a cycle back to gw.json) was left out of the backup without a word. The plan and the backup
// step now name the included files copied and the ones not backed up (with why), so the plan says what the run does.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startUpdateHarness, type UpdateHarness } from './update-harness.js';

let h: UpdateHarness;
let auth: string;
let missing: string;
let big: string;
let loop: string;
beforeAll(async () => {
  h = await startUpdateHarness({ packages: [['1.0.0', 'good'], ['1.0.1', 'good']] });
  const d = path.dirname(h.cfgPath);
  auth = path.join(d, 'auth.json');
  missing = path.join(d, 'missing.json');
  big = path.join(d, 'big.json');
  loop = path.join(d, 'loop.json');
  await fs.writeFile(auth, JSON.stringify({ gateway: { auth: { token: 't-1' } } }));
  // Larger than a config file is read (16 MiB): not followed, not backed up, and said so.
  await fs.writeFile(big, `{"pad":"${'x'.repeat(17 * 1024 * 1024)}"}`);
  // An include back to the main file: read once, never round and round, and named as the cycle OpenClaw refuses.
  await fs.writeFile(loop, JSON.stringify({ $include: './gw.json', extra: 1 }));
  await fs.writeFile(h.cfgPath, JSON.stringify({ port: h.port, $include: ['./auth.json', './missing.json', './big.json', './loop.json'] }));
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

describe('an update of a service whose config $includes files', () => {
  it('--dry-run names the included files it will back up and the ones it will not; the run backs up the same', async () => {
    const cli = await runCli(['update', 'gw', '1.0.1', '--dry-run', '--state-dir', h.td.stateDir], { timeoutMs: 60_000 });
    // Exit 1: the plan is blocked (see below), and still says what a run would copy.
    expect(cli.code, cli.stderr).toBe(1);
    // A blocked plan is printed on stderr.
    const text = cli.stdout + cli.stderr;
    const line = text.split('\n').find((l) => /\bbackup: /.test(l)) ?? '';
    expect(line, cli.stdout).toContain(h.cfgPath);
    expect(line, cli.stdout).toContain(auth);
    expect(line, cli.stdout).toContain(loop);
    expect(line, cli.stdout).toMatch(/not backed up, so not put back by a rollback: .*missing\.json \(missing\)/);
    expect(line, cli.stdout).toContain(big);
    expect(line.length, 'bounded: no file content in the plan').toBeLessThan(2000);
    // A missing or unreadable include would have the start refused (the daemon's preflight holds on it): the run is
    // refused before anything is stopped, as the plan's blocked line said.
    expect(text).toMatch(/blocked: .*missing\.json \(missing\)/);
    const refused = await h.update('1.0.1');
    expect(refused.status, JSON.stringify(refused.body)).toBe(202);
    const no = await h.finished(refused.body.runId);
    expect(no.report?.outcome).toBe('blocked');
    expect(no.report?.message).toContain(missing);
    expect(no.report?.message).toContain(big);
    expect(no.steps.map((s) => s.step)).not.toContain('backup');
    // The include back to gw.json is a cycle OpenClaw refuses to start on: named as such, the update refused on it too.
    expect(no.report?.message).toContain(`circular include: ${h.cfgPath} -> ${loop} -> ${h.cfgPath}`);
    // With those two out of the config and the cycle cut, the run does what the plan said.
    await fs.writeFile(loop, JSON.stringify({ extra: 1 }));
    await fs.writeFile(h.cfgPath, JSON.stringify({ port: h.port, $include: ['./auth.json', './loop.json'] }));
    const again = await runCli(['update', 'gw', '1.0.1', '--dry-run', '--state-dir', h.td.stateDir], { timeoutMs: 60_000 });
    expect(again.code, again.stdout).toBe(0);
    const planned = again.stdout.split('\n').find((l) => /\bbackup: /.test(l)) ?? '';
    expect(planned, again.stdout).toContain(auth);
    expect(planned, again.stdout).toContain(loop);
    const r = await h.update('1.0.1');
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const view = await h.finished(r.body.runId);
    const backup = view.steps.find((s) => s.step === 'backup')!;
    expect(backup.message).toContain(auth);
    expect(backup.message).toContain(loop);
    const copied = await fs.readdir(view.report!.backupDir!);
    expect(copied.filter((f) => /^\d{4}-/.test(f)).map((f) => f.slice(5)).sort()).toEqual(['auth.json', 'gw.json', 'loop.json', 'main.db']);
  }, 150_000);
});
