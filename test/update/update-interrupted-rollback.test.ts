// A daemon SIGKILLed during an update's rollback, after the restore began but before `current` went back to the old
// version: the next daemon finishes the rollback; it does not watch (and keep) the new version on the old files.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, readJournalFile, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { isAlive, killTree, pidRef, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { VersionStore } from '../../src/update/version-store.js';
import { spawnRunner } from '../../src/doctor/command-runner.js';
import { inFlightFile, writeInFlight } from '../../src/update/update-in-flight.js';
import { takeBackup } from '../../src/update/state-backup.js';
import { packFake } from './fake-package.js';

describe('an update killed during its rollback (real daemon process, real npm installs from tarballs)', () => {
  let tgz: string;
  const cleanup: Array<() => Promise<void> | void> = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    tgz = path.join(await fs.realpath(tempDir('clawback-upd-rbk-')), 'tgz');
    await fs.mkdir(tgz);
    await packFake(tgz, '1.0.0', 'good');
    await packFake(tgz, '4.0.0', 'never-ready');
    await packFake(tgz, '5.0.0', 'good');
  }, 120_000);

  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
    // Each test's dir (versions, state, ~200 MB), once everything it started is gone.
    while (dirs.length) await fs.rm(dirs.pop()!, { recursive: true, force: true });
  });

  afterAll(async () => {
    await fs.rm(path.dirname(tgz), { recursive: true, force: true });
  });

  async function setup(): Promise<{ dir: string; versions: string; cfgPath: string; statePath: string; port: number; stateDir: string; config: string }> {
    const dir = await fs.realpath(tempDir('clawback-upd-int-'));
    dirs.push(dir);
    const versions = path.join(dir, 'versions');
    const store = new VersionStore(versions, 'fake-gw');
    const cache = path.join(path.dirname(tgz), 'npm-cache');
    const r = await store.install('1.0.0', path.join(tgz, 'fake-gw-1.0.0.tgz'), { runner: spawnRunner(), npm: ['npm'], args: ['--offline', '--cache', cache], env: { ...(process.env as Record<string, string>) }, timeoutMs: 120_000 });
    expect(r.ok).toBe(true);
    await store.switchTo('1.0.0', 'initial install', Date.now());
    const port = await freePort();
    const cfgPath = path.join(dir, 'gw.json');
    const statePath = path.join(dir, 'gw-state', 'main.db');
    await fs.mkdir(path.dirname(statePath));
    await fs.writeFile(cfgPath, JSON.stringify({ port }));
    await fs.writeFile(statePath, 'rows\n');
    const cur = path.join(versions, 'current', 'node_modules', 'fake-gw');
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(
      config,
      YAML.stringify(
        markServices({
          api: { port: 0 },
          services: [
            {
              name: 'gw',
              command: [NODE, path.join(cur, 'server.mjs')],
              env: { FAKE_CONFIG: cfgPath, FAKE_STATE: statePath },
              configFile: { path: cfgPath, format: 'json' },
              restart: { backoff: { initial: '100ms', max: '500ms' }, intensity: { maxRestarts: 20, window: '1m' } },
              stop: { grace: '3s' },
              probes: [{ kind: 'http', name: 'readiness', url: `http://127.0.0.1:${port}/readyz`, interval: '1s', timeout: '1s', failureThreshold: 2, action: 'notify' }],
              update: {
                package: 'fake-gw',
                dir: versions,
                source: path.join(tgz, 'fake-gw-{version}.tgz'),
                installArgs: ['--offline', '--cache', cache],
                stateFiles: [path.join(dir, 'gw-state', '*.db')],
                                watch: '4s',
                settle: '1s',
                crashLoopExits: 3,
              },
            },
          ],
        }),
      ),
    );
    return { dir, versions, cfgPath, statePath, port, stateDir: path.join(dir, 'state'), config };
  }

  async function servedVersion(port: number): Promise<string | undefined> {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      return ((await r.json()) as { version: string }).version;
    } catch {
      return undefined;
    }
  }

  /** Starts `clawback run` as its own process, waits for 1.0.0 to serve, asks for the update to 4.0.0. */
  async function daemonUpdating(s: Awaited<ReturnType<typeof setup>>): Promise<MarkedChild> {
    const d = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
    cleanup.push(() => d.kill());
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0', { timeoutMs: 30_000 });
    const info = JSON.parse(readFileSync(path.join(s.stateDir, 'daemon.json'), 'utf8')) as { api: { port: number } };
    const token = readFileSync(path.join(s.stateDir, 'token'), 'utf8').trim();
    const r = await fetch(`http://127.0.0.1:${info.api.port}/api/update/gw?version=4.0.0`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(r.status, await r.text()).toBe(202);
    return d;
  }

  /** A new daemon on the same state dir (as the guardian or systemd would start one). */
  async function nextDaemon(s: Awaited<ReturnType<typeof setup>>): Promise<TestDaemon> {
    const td = await startTestDaemon({ services: [] }, { dir: s.dir, apiPort: 0 });
    cleanup.push(() => td.stop());
    return td;
  }

  const journaled = (stateDir: string, type: string) => readJournalFile(path.join(stateDir, 'journal.jsonl')).filter((e) => e.type === type && (e.details as { interrupted?: boolean } | undefined)?.interrupted);

  it('SIGKILLed while its rollback restores a 64 MiB state file: the next daemon finishes that rollback (no new watch of 4.0.0)', async () => {
    const s = await setup();
    // A state database big enough that its restore (kept aside, then put back) takes a while.
    await fs.writeFile(s.statePath, Buffer.concat([Buffer.from('rows\n'), Buffer.alloc(64 * 1024 ** 2, 0x2e), Buffer.from('\n')]));
    const d = await daemonUpdating(s);
    const updates = path.join(s.stateDir, 'updates', 'gw');
    // The restore keeps the state file's bytes aside (<backup>/after) before it puts the old ones back.
    const evidence = async (): Promise<boolean> => {
      for (const run of await fs.readdir(updates).catch(() => [] as string[])) if (existsSync(path.join(updates, run, 'after'))) return true;
      return false;
    };
    await waitFor(() => evidence(), { timeoutMs: 90_000, intervalMs: 2 });
    d.signal('SIGKILL');
    await d.waitForExit(10_000);
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('4.0.0');
    expect(existsSync(inFlightFile(s.stateDir, 'gw'))).toBe(true);

    const td = await nextDaemon(s);
    await waitFor(() => journaled(td.stateDir, 'update.rolled-back').length + journaled(td.stateDir, 'update.failed').length > 0 || undefined, { timeoutMs: 120_000, intervalMs: 200 });
    const said = [...journaled(td.stateDir, 'update.rolled-back'), ...journaled(td.stateDir, 'update.failed')].map((e) => e.message).join(' | ');
    // It finished the rollback the update had begun, rather than judging 4.0.0 again on the old version's files.
    expect(said).toMatch(/4\.0\.0 did not hold \(readiness failure.*its rollback was under way\): rolled back to 1\.0\.0, ready/);
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('1.0.0');
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 30_000, intervalMs: 200 });
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);

  it('killed after the restore, before `current` went back (a new version that would come up on the old files): rolled back, not kept', async () => {
    const s = await setup();
    const store = new VersionStore(s.versions, 'fake-gw');
    const cache = path.join(path.dirname(tgz), 'npm-cache');
    const r = await store.install('5.0.0', path.join(tgz, 'fake-gw-5.0.0.tgz'), { runner: spawnRunner(), npm: ['npm'], args: ['--offline', '--cache', cache], env: { ...(process.env as Record<string, string>) }, timeoutMs: 120_000 });
    expect(r.ok).toBe(true);
    // Where such a kill leaves things: `current` -> 5.0.0, the files from before the update back in place, and the
    // record of the update saying its rollback had begun (as the update writes it before restoring anything).
    const backupDir = path.join(s.stateDir, 'updates', 'gw', 'run-1');
    await takeBackup(backupDir, [s.cfgPath], [path.join(s.dir, 'gw-state', '*.db')], Date.now());
    await writeInFlight(s.stateDir, { runId: 'run-1', service: 'gw', from: '1.0.0', to: '5.0.0', backupDir, startedAt: Date.now() - 60_000, by: 'test', rollback: { reason: 'rollback: crash loop (3 exits)', at: Date.now() - 1_000 } });
    await store.switchTo('5.0.0', 'update by test', Date.now());

    const td = await nextDaemon(s);
    await waitFor(() => journaled(td.stateDir, 'update.rolled-back').length + journaled(td.stateDir, 'update.succeeded').length + journaled(td.stateDir, 'update.failed').length > 0 || undefined, { timeoutMs: 60_000, intervalMs: 200 });
    expect(journaled(td.stateDir, 'update.succeeded')).toEqual([]);
    expect(journaled(td.stateDir, 'update.rolled-back')[0]?.message).toMatch(/5\.0\.0 did not hold \(crash loop \(3 exits\); its rollback was under way\): rolled back to 1\.0\.0/);
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('1.0.0');
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 30_000, intervalMs: 200 });
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);

  it('the stopping daemon rolled back but could not restore the state file (a full disk): the next daemon does not run 1.0.0 on it', async () => {
    const s = await setup();
    // Where a daemon stopping during the update's watch leaves things when its restore fails half-way: `current` back on
    // 1.0.0 (active.json says why), the config restored, the state file still as 4.0.0 left it, the record kept.
    const backupDir = path.join(s.stateDir, 'updates', 'gw', 'run-2');
    await takeBackup(backupDir, [s.cfgPath], [path.join(s.dir, 'gw-state', '*.db')], Date.now());
    await fs.appendFile(s.statePath, 'opened by 4.0.0\n');
    await writeInFlight(s.stateDir, { runId: 'run-2', service: 'gw', from: '1.0.0', to: '4.0.0', backupDir, startedAt: Date.now() - 60_000, by: 'test', rollback: { reason: 'rollback: the daemon stopped during the update', at: Date.now() - 1_000 } });
    await new VersionStore(s.versions, 'fake-gw').switchTo('1.0.0', 'rollback: the daemon stopped during the update', Date.now());

    const td = await nextDaemon(s);
    await waitFor(() => journaled(td.stateDir, 'update.failed').length + journaled(td.stateDir, 'update.rolled-back').length > 0 || undefined, { timeoutMs: 60_000, intervalMs: 200 });
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 30_000, intervalMs: 200 });
    // 1.0.0 runs on its own state file (put back), not on the one 4.0.0 had migrated.
    expect(await fs.readFile(s.statePath, 'utf8')).not.toMatch(/opened by 4\.0\.0/);
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);
});
