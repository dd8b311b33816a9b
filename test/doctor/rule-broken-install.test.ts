import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { brokenInstallRule } from '../../src/doctor/rule-broken-install.js';
import { VersionStore } from '../../src/update/version-store.js';
import { spawnRunner } from '../../src/doctor/command-runner.js';
import { packFake } from '../update/fake-package.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** A partial install, crashed on for real: the doctor goes back to an intact version (or reinstalls the pinned one). */
describe('broken-install rule (fake package installed by npm, a real crash)', () => {
  let tgz: string;
  beforeAll(async () => {
    tgz = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-broken-tgz-')));
    await packFake(tgz, '1.0.0', 'good');
    await packFake(tgz, '1.1.0', 'good');
  }, 120_000);
  afterAll(async () => {
    await fs.rm(tgz, { recursive: true, force: true });
  });

  async function setup(fx: DoctorFixture, installs: string[]): Promise<VersionStore> {
    const versions = path.join(fx.dir, 'versions');
    const cache = path.join(tgz, 'npm-cache');
    fx.withService({
      update: { package: 'fake-gw', dir: versions, source: path.join(tgz, 'fake-gw-{version}.tgz'), installArgs: ['--offline', '--cache', cache] },
    });
    const store = new VersionStore(versions, 'fake-gw');
    for (const v of installs) {
      const r = await store.install(v, path.join(tgz, `fake-gw-${v}.tgz`), { runner: spawnRunner(), npm: ['npm'], args: ['--offline', '--cache', cache], env: process.env as Record<string, string>, timeoutMs: 120_000 });
      expect(r.ok).toBe(true);
      await store.switchTo(v, 'install', Date.now() - 60_000);
    }
    return store;
  }

  /** Runs the current version the way the service would and writes what it said into the service's log. */
  async function crashInto(fx: DoctorFixture, store: VersionStore): Promise<string> {
    const r = spawnSync(process.execPath, [path.join(store.currentLink, 'node_modules', 'fake-gw', 'server.mjs')], { env: { ...process.env, CLAWBACK_TEST_CHILD: '1', FAKE_CONFIG: fx.configPath }, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    const log = path.join(fx.stateDir, 'logs', 'gateway.log');
    await fs.mkdir(path.dirname(log), { recursive: true });
    await fs.writeFile(log, `fake-gw started\n${r.stderr}`);
    return r.stderr;
  }

  let fx: DoctorFixture;
  afterAll(async () => fx?.cleanup());

  it('switches back to the intact previous version; the broken tree is kept', async () => {
    fx = await makeFixture();
    const store = await setup(fx, ['1.0.0', '1.1.0']);
    await fs.rm(path.join(store.packageDir('1.1.0'), 'server.mjs'));
    expect(await crashInto(fx, store)).toMatch(/Cannot find module|MODULE_NOT_FOUND/);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [brokenInstallRule()] });
    expect(report.findings.map((f) => f.id)).toEqual(['broken-install:1.1.0']);
    expect(report.findings[0]!.evidence).toContain('server.mjs is missing');
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(await store.current()).toBe('1.0.0');
    expect((await store.active())?.reason).toContain('broken install of 1.1.0');
    await fs.access(store.packageDir('1.1.0'));
    // Its last words are now older than the switch: a second pass finds nothing.
    expect((await runDoctor(fx.ctx(), { fix: false, rules: [brokenInstallRule()] })).findings).toEqual([]);
    await fx.cleanup();
  }, 180_000);

  it('with no previous version it reinstalls the pinned one (offline, from the tarball); the broken tree is kept beside, with the last two such trees at most', async () => {
    fx = await makeFixture();
    const store = await setup(fx, ['1.0.0']);
    await fs.rm(path.join(store.packageDir('1.0.0'), 'server.mjs'));
    await crashInto(fx, store);
    // Evidence of two earlier reinstalls, and the prefix of an install killed an hour ago (a daemon stopped mid-way),
    // beside one that is still running.
    for (const t of ['2026-11-01T10-00-00-000Z', '2026-11-20T10-00-00-000Z']) await fs.mkdir(path.join(store.dir, `.replaced-1.0.0-${t}`, 'node_modules'), { recursive: true });
    const dead = path.join(store.dir, '.installing-1.0.0-dead01');
    const running = path.join(store.dir, '.installing-1.0.0-live01');
    await fs.mkdir(dead);
    await fs.mkdir(running);
    const hourAgo = new Date(Date.now() - 3_600_000);
    await fs.utimes(dead, hourAgo, hourAgo);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [brokenInstallRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(report.outcomes[0]!.message).toContain('reinstalled 1.0.0');
    await fs.access(path.join(store.packageDir('1.0.0'), 'server.mjs'));
    // The new broken tree and the newest earlier one are kept; the oldest and the dead prefix are gone.
    const left = (await fs.readdir(store.dir)).filter((n) => n.startsWith('.'));
    const replaced = left.filter((n) => n.startsWith('.replaced-1.0.0-'));
    expect(replaced).toHaveLength(2);
    expect(replaced).toContain('.replaced-1.0.0-2026-11-20T10-00-00-000Z');
    expect(left).toContain('.installing-1.0.0-live01');
    expect(left).not.toContain('.installing-1.0.0-dead01');
    expect(report.outcomes[0]!.message).toContain('removed .installing-1.0.0-dead01, .replaced-1.0.0-2026-11-01T10-00-00-000Z');
    await fx.cleanup();
  }, 180_000);

  it('no missing-module words, or no update key: no finding', async () => {
    fx = await makeFixture();
    const store = await setup(fx, ['1.0.0']);
    const log = path.join(fx.stateDir, 'logs', 'gateway.log');
    await fs.mkdir(path.dirname(log), { recursive: true });
    await fs.writeFile(log, 'Error: EADDRINUSE\n');
    expect((await runDoctor(fx.ctx(), { fix: false, rules: [brokenInstallRule()] })).findings).toEqual([]);
    expect(await store.current()).toBe('1.0.0');
    await fs.writeFile(log, 'Error [ERR_MODULE_NOT_FOUND]: Cannot find module x\n');
    fx.withService({ update: undefined });
    expect((await runDoctor(fx.ctx(), { fix: false, rules: [brokenInstallRule()] })).findings).toEqual([]);
    await fx.cleanup();
  }, 180_000);
});
