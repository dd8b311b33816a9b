import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { startUpdateHarness, type UpdateHarness } from './update-harness.js';
import type { UpdateRunView } from '../../src/update/update-plugin.js';
import { CLI, runCli } from '../helpers/cli.js';
import { spawn } from 'node:child_process';

/** The real flow through the daemon's API: a fake package installed by npm from local tarballs, a real service. */
describe('clawback update (fake package, real daemon, real npm installs from tarballs)', () => {
  let h: UpdateHarness;
  let versions: string;
  let td: TestDaemon;
  let port: number;
  let cfgPath: string;
  let statePath: string;
  let base: string;
  let token: string;

  beforeAll(async () => {
    h = await startUpdateHarness({
      packages: [
        ['1.0.0', 'good'],
        ['1.1.0', 'good'],
        ['2.0.0', 'crash'],
        ['3.0.0', 'exit78'],
        ['4.0.0', 'never-ready'],
        ['5.0.0', 'reject-config'],
        ['6.0.0', 'slow-validate'],
      ],
    });
    ({ versions, td, port, cfgPath, statePath, base, token } = h);
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  const version = (): Promise<string | undefined> => h.version();
  const update = (v: string, extra = ''): ReturnType<UpdateHarness['update']> => h.update(v, extra);
  const finished = (runId: unknown): Promise<UpdateRunView> => h.finished(runId);
  const current = (): Promise<string> => h.current();

  it('needs the token; --dry-run prints the plan and changes nothing', async () => {
    const anon = await fetch(`${base}/api/update/gw?version=1.1.0`, { method: 'POST' });
    expect(anon.status).toBe(401);
    const r = await update('1.1.0', '&dryRun=1');
    expect(r.status).toBe(200);
    expect(String(r.body.message)).toMatch(/1\.0\.0 -> 1\.1\.0[\s\S]*install[\s\S]*validate[\s\S]*backup[\s\S]*switch[\s\S]*watch/);
    await expect(fs.access(path.join(versions, '1.1.0'))).rejects.toThrow();
    expect(await current()).toBe('1.0.0');
    // The CLI drives the same route: --dry-run prints the plan; an unknown service exits 4.
    const cli = await runCli(['update', 'gw', '1.1.0', '--dry-run', '--state-dir', td.stateDir], { timeoutMs: 60_000 });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/update gw: 1\.0\.0 -> 1\.1\.0\n\s+1\. install: /);
    const unknown = await runCli(['update', 'nope', '1.1.0', '--state-dir', td.stateDir], { timeoutMs: 60_000 });
    expect(unknown.code).toBe(4);
    const bad = await update('..%2Fetc');
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toContain('version: expected a version');
  });

  it('a version that rejects the current config is never switched to: the service is not even stopped', async () => {
    const pidBefore = td.daemon.runtimes.get('gw')!.status().pid;
    const r = await update('5.0.0');
    expect(r.status).toBe(202);
    const view = await finished(r.body.runId);
    expect(view.report?.outcome).toBe('failed');
    expect(view.report?.message).toContain('does not accept the current config');
    expect(td.daemon.runtimes.get('gw')!.status().pid).toBe(pidBefore);
    expect(await current()).toBe('1.0.0');
  });

  it('maintenance turned on while the new version installs: the update stops before touching the service', async () => {
    const pidBefore = td.daemon.runtimes.get('gw')!.status().pid;
    const r = await update('6.0.0');
    expect(r.status).toBe(202);
    // The validator takes 4 s; a person turns maintenance on meanwhile.
    await waitFor(async () => ((await (await fetch(`${base}/api/update/gw`)).json()) as UpdateRunView).steps.some((s) => s.step === 'install') || undefined, { timeoutMs: 60_000, intervalMs: 100 });
    const m = await fetch(`${base}/api/services/gw/maintenance?on=1&by=cli:ann`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(m.status, await m.text()).toBe(200);
    try {
      const view = await finished(r.body.runId);
      expect(view.report?.outcome).toBe('failed');
      expect(view.report?.message).toContain('turned maintenance on during the update; the service was not touched');
      expect(view.steps.map((s) => s.step)).toEqual(['install', 'validate']);
      expect(td.daemon.runtimes.get('gw')!.status().pid).toBe(pidBefore);
      expect(await current()).toBe('1.0.0');
    } finally {
      await fetch(`${base}/api/services/gw/maintenance?on=0`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    }
  });

  for (const [v, why] of [
    ['2.0.0', /crash loop/],
    ['3.0.0', /exited with 78/],
    ['4.0.0', /readiness failure/],
  ] as const) {
    it(`rolls back ${v} (${why.source}): old version serving, config and state restored, every step journaled`, async () => {
      const cfgBefore = await fs.readFile(cfgPath, 'utf8');
      const stateBefore = await fs.readFile(statePath, 'utf8');
      const r = await update(v);
      expect(r.status).toBe(202);
      const view = await finished(r.body.runId);
      expect(view.report?.outcome).toBe('rolled-back');
      expect(view.report?.message).toMatch(why);
      expect(view.report?.healthyAfterRollback).toBe(true);
      expect(await current()).toBe('1.0.0');
      expect(await version()).toBe('1.0.0');
      expect(await fs.readFile(cfgPath, 'utf8')).toBe(cfgBefore);
      // The old version opened the restored state once more after the rollback; the new version's write is gone.
      expect(await fs.readFile(statePath, 'utf8')).toBe(`${stateBefore}opened by 1.0.0\n`);
      // The new version's state is kept as evidence beside the backup.
      const after = await fs.readdir(path.join(view.report!.backupDir!, 'after'));
      expect(after.length).toBeGreaterThan(0);
      const types = td.events.filter((e) => (e.details as { runId?: string } | undefined)?.runId === r.body.runId).map((e) => e.type);
      expect(types[0]).toBe('update.started');
      expect(types).toContain('update.step');
      expect(types[types.length - 1]).toBe('update.rolled-back');
      const journaled = td.journal().filter((e) => e.type === 'update.rolled-back' && (e.details as { runId?: string }).runId === r.body.runId);
      expect(journaled).toHaveLength(1);
      expect(view.steps.map((s) => s.step)).toEqual(['install', 'validate', 'stop', 'backup', 'switch', 'start', 'watch', 'rollback']);
    });
  }

  it('a good version is switched to, watched and kept; the old one stays installed for a rollback', async () => {
    const r = await update('1.1.0');
    const view = await finished(r.body.runId);
    expect(view.report?.outcome).toBe('succeeded');
    expect(await current()).toBe('1.1.0');
    expect(await version()).toBe('1.1.0');
    const active = JSON.parse(await fs.readFile(path.join(versions, 'active.json'), 'utf8')) as { version: string; previous: string };
    expect(active).toMatchObject({ version: '1.1.0', previous: '1.0.0' });
    await fs.access(path.join(versions, '1.0.0', 'node_modules', 'fake-gw', 'server.mjs'));
    expect(td.events.some((e) => e.type === 'update.succeeded' && (e.details as { runId?: string }).runId === r.body.runId)).toBe(true);
    const again = await update('1.1.0');
    expect(again.status).toBe(202);
    expect((await finished(again.body.runId)).report?.outcome).toBe('blocked');
  });
  it('Ctrl-C on a CLI following an update: the CLI says the update carries on in the daemon, and it does', async () => {
    // 6.0.0 validates for 4 s (installed by the maintenance case): the CLI is interrupted while the daemon validates.
    const cli = spawn(process.execPath, [CLI, 'update', 'gw', '6.0.0', '--state-dir', td.stateDir], { env: { ...process.env, CLAWBACK_TEST_CHILD: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((res) => cli.on('exit', (code) => res(code)));
    const runId = await waitFor(() => /\(run (upd-[0-9a-f-]+)\)/.exec(out)?.[1], { timeoutMs: 60_000, intervalMs: 50 });
    cli.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toContain(`stopped following; the update of gw (run ${runId}) carries on in the daemon`);
    const view = await finished(runId);
    expect(view.report?.outcome).toBe('succeeded');
    expect(await current()).toBe('6.0.0');
  }, 120_000);
});
