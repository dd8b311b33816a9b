// A daemon SIGKILLed in the middle of an update (OOM, a crash, a guardian's kill): the next daemon finishes it.
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
import { packFake } from './fake-package.js';

describe('an update interrupted by a SIGKILL of its daemon (real daemon process, real npm installs from tarballs)', () => {
  let tgz: string;
  const cleanup: Array<() => Promise<void> | void> = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    tgz = path.join(await fs.realpath(tempDir('clawback-upd-int-')), 'tgz');
    await fs.mkdir(tgz);
    await packFake(tgz, '1.0.0', 'good');
    await packFake(tgz, '4.0.0', 'never-ready');
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
                // Long enough that the first daemon is always killed before its own watch ends.
                watch: '15s',
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

  it('killed after the switch to a version that never gets ready: the next daemon rolls it back (config and state restored)', async () => {
    const s = await setup();
    const cfgBefore = await fs.readFile(s.cfgPath, 'utf8');
    const d = await daemonUpdating(s);
    await waitFor(async () => ((await fs.readlink(path.join(s.versions, 'current')).catch(() => '')) === '4.0.0' && (await servedVersion(s.port)) === '4.0.0') || undefined, { timeoutMs: 60_000, intervalMs: 100 });
    d.kill();
    await d.waitForExit(10_000);

    const td = await nextDaemon(s);
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 120_000, intervalMs: 300 });
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('1.0.0');
    expect(await fs.readFile(s.cfgPath, 'utf8')).toBe(cfgBefore);
    // The new version's write to the state file is undone; the old one opened it again.
    expect(await fs.readFile(s.statePath, 'utf8')).toMatch(/^rows\nopened by 1\.0\.0\nopened by 1\.0\.0\n$/);
    await waitFor(() => journaled(td.stateDir, 'update.rolled-back').length === 1 || undefined, { timeoutMs: 10_000 });
    expect(journaled(td.stateDir, 'update.rolled-back')[0]!.message).toMatch(/interrupted by a daemon restart; 4\.0\.0 did not hold \(readiness failure/);
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);

  it('killed after its rollback had put the old version back: the next daemon says so (it said "before it switched versions")', async () => {
    const s = await setup();
    // Where a kill between the rollback's switch back and its clean-up leaves things: the record of the update still
    // there, `current` on the old version again, and active.json saying why.
    const backupDir = path.join(s.stateDir, 'updates', 'gw', 'run-1');
    await fs.mkdir(backupDir, { recursive: true });
    await writeInFlight(s.stateDir, { runId: 'run-1', service: 'gw', from: '1.0.0', to: '4.0.0', backupDir, startedAt: Date.now() - 60_000, by: 'test' });
    await new VersionStore(s.versions, 'fake-gw').switchTo('1.0.0', 'rollback: readiness failure', Date.now());

    const td = await nextDaemon(s);
    await waitFor(() => journaled(td.stateDir, 'update.failed').length === 1 || undefined, { timeoutMs: 30_000 });
    const said = journaled(td.stateDir, 'update.failed')[0]!.message;
    expect(said).toMatch(/after its rollback had put 1\.0\.0 back \(rollback: readiness failure; the files from before the update restored from /);
    expect(said).not.toMatch(/before it switched versions/);
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 60_000, intervalMs: 300 });
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);

  it('killed right after the update stopped the service: the next daemon starts it again on the old version', async () => {
    const s = await setup();
    const d = await daemonUpdating(s);
    // The update's stop step is journaled as soon as the reducer stopped the service.
    await waitFor(() => readJournalFile(path.join(s.stateDir, 'journal.jsonl')).some((e) => e.type === 'update.step' && (e.details as { step?: string }).step === 'stop') || undefined, { timeoutMs: 60_000, intervalMs: 20 });
    d.kill();
    await d.waitForExit(10_000);

    const td = await nextDaemon(s);
    // Wherever the kill landed (before or after the switch), the service ends up serving the old version.
    const story = (): string =>
      `1.0.0 served again; journal: ${readJournalFile(path.join(td.stateDir, 'journal.jsonl'))
        .slice(0, 40)
        .map((e) => `${e.type} ${e.message}`)
        .join(' | ')}`;
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 120_000, intervalMs: 300, message: story });
    expect(td.daemon.runtimes.get('gw')!.status().state).toBe('running');
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('1.0.0');
    await waitFor(() => (journaled(td.stateDir, 'update.failed').length + journaled(td.stateDir, 'update.rolled-back').length === 1) || undefined, { timeoutMs: 10_000 });
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);
  it('the daemon exits leaving its services running (SIGUSR2, a service manager restart) during the watch: nothing is restored under the running new version; the next daemon watches it and rolls it back', async () => {
    const s = await setup();
    const cfgBefore = await fs.readFile(s.cfgPath, 'utf8');
    const d = await daemonUpdating(s);
    await waitFor(async () => ((await fs.readlink(path.join(s.versions, 'current')).catch(() => '')) === '4.0.0' && (await servedVersion(s.port)) === '4.0.0') || undefined, { timeoutMs: 60_000, intervalMs: 100 });
    // The new version's pid (from the start step): if an assertion fails before the next daemon adopts it, it is killed.
    const started = readJournalFile(path.join(s.stateDir, 'journal.jsonl')).find((e) => e.type === 'update.step' && (e.details as { step?: string }).step === 'start');
    const pid = Number(/\(pid (\d+)\)/.exec(started?.message ?? '')?.[1]);
    expect(pid).toBeGreaterThan(0);
    const ref = pidRef(pid);
    cleanup.unshift(() => killTree(ref));
    process.kill(d.pid, 'SIGUSR2');
    await d.waitForExit(20_000);
    // 4.0.0 still runs: its files and `current` are left as they are (before, the backups were restored under it and
    // `current` pointed at 1.0.0, so the next daemon adopted 4.0.0 as "still on 1.0.0, untouched" and never watched it).
    expect(await servedVersion(s.port)).toBe('4.0.0');
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('4.0.0');
    expect(await fs.readFile(s.statePath, 'utf8')).toMatch(/opened by 4\.0\.0\n$/);
    expect(existsSync(inFlightFile(s.stateDir, 'gw'))).toBe(true);

    const td = await nextDaemon(s);
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 120_000, intervalMs: 300 });
    expect(await fs.readlink(path.join(s.versions, 'current'))).toBe('1.0.0');
    expect(await fs.readFile(s.cfgPath, 'utf8')).toBe(cfgBefore);
    expect(await fs.readFile(s.statePath, 'utf8')).toMatch(/^rows\nopened by 1\.0\.0\nopened by 1\.0\.0\n$/);
    await waitFor(() => journaled(td.stateDir, 'update.rolled-back').length === 1 || undefined, { timeoutMs: 10_000 });
    expect(journaled(td.stateDir, 'update.rolled-back')[0]!.message).toMatch(/4\.0\.0 did not hold \(readiness failure/);
    expect(existsSync(inFlightFile(td.stateDir, 'gw'))).toBe(false);
  }, 240_000);
});
