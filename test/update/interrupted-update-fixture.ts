// The set-up of the interrupted-update tests: fake-gw versions packed once, a daemon process updating 1.0.0 -> 4.0.0
// with a config and a state file, the next daemon on its state dir, and each test's dir removed after it.
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { NODE, markServices, readJournalFile, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { installFake, packFake, type FakeMode } from './fake-package.js';
import { VersionStore } from '../../src/update/version-store.js';
import { writeInFlight } from '../../src/update/update-in-flight.js';
import { takeBackup } from '../../src/update/state-backup.js';

/**
 * Where a daemon stopped during the update's watch leaves things when its rollback's restore was cut short: the files
 * from before the update backed up (run-2), the state file as 4.0.0 left it ('opened by 4.0.0'), the record saying the
 * rollback had begun, and `current` back on 1.0.0.
 */
export async function rollbackCutShort(s: InterruptedSetup): Promise<void> {
  const backupDir = path.join(s.stateDir, 'updates', 'gw', 'run-2');
  await takeBackup(backupDir, [s.cfgPath], [path.join(s.dir, 'gw-state', '*.db')], Date.now());
  await fs.appendFile(s.statePath, 'opened by 4.0.0\n');
  await writeInFlight(s.stateDir, { runId: 'run-2', service: 'gw', from: '1.0.0', to: '4.0.0', backupDir, startedAt: Date.now() - 60_000, by: 'test', rollback: { reason: 'rollback: the daemon stopped during the update', at: Date.now() - 1_000 } });
  await new VersionStore(s.versions, 'fake-gw').switchTo('1.0.0', 'rollback: the daemon stopped during the update', Date.now());
}

export interface InterruptedSetup {
  dir: string;
  versions: string;
  cfgPath: string;
  statePath: string;
  port: number;
  stateDir: string;
  config: string;
}

export interface InterruptedUpdate {
  /** Run after the test, last first (the test's dir goes after all of them). */
  cleanup: Array<() => Promise<void> | void>;
  /** The folder of the packed fake-gw-<version>.tgz (and the npm cache beside it), once beforeAll ran. */
  tarballs(): string;
  /** 1.0.0 installed and current, gw's config and state, clawback.yaml (update.watch as given). */
  setup(): Promise<InterruptedSetup>;
  /** The version the fake gateway serves, or undefined. */
  servedVersion(port: number): Promise<string | undefined>;
  /** Starts `clawback run` as its own process, waits for 1.0.0 to serve, asks for the update to 4.0.0. */
  daemonUpdating(s: InterruptedSetup): Promise<MarkedChild>;
  /** A new daemon on the same state dir (as the guardian or systemd would start one). */
  nextDaemon(s: InterruptedSetup): Promise<TestDaemon>;
  /** The journal's events of this type that finished an interrupted update. */
  journaled(stateDir: string, type: string): ClawbackEvent[];
}

/** Registers the describe block's hooks; `packs` are packed once in beforeAll; `watch` is update.watch. */
export function interruptedUpdate(opts: { prefix: string; packs: ReadonlyArray<[version: string, mode: FakeMode]>; watch: string }): InterruptedUpdate {
  let tgz: string;
  const cleanup: Array<() => Promise<void> | void> = [];
  const dirs: string[] = [];
  const watch = opts.watch;

  beforeAll(async () => {
    tgz = path.join(await fs.realpath(tempDir(opts.prefix)), 'tgz');
    await fs.mkdir(tgz);
    for (const [version, mode] of opts.packs) await packFake(tgz, version, mode);
  }, 120_000);

  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
    // Each test's dir (versions, state, ~200 MB), once everything it started is gone.
    while (dirs.length) await fs.rm(dirs.pop()!, { recursive: true, force: true });
  });

  afterAll(async () => {
    await fs.rm(path.dirname(tgz), { recursive: true, force: true });
  });

  async function setup(): Promise<InterruptedSetup> {
    const dir = await fs.realpath(tempDir('clawback-upd-int-'));
    dirs.push(dir);
    const versions = path.join(dir, 'versions');
    const cache = path.join(path.dirname(tgz), 'npm-cache');
    await installFake(versions, tgz, '1.0.0', cache);
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
                watch,
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
  async function daemonUpdating(s: InterruptedSetup): Promise<MarkedChild> {
    const d = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
    cleanup.push(() => d.kill());
    // A daemon process, its config loader and the gateway's first start, on a loaded 2-core machine: 30 s was short once.
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0', { timeoutMs: 60_000 });
    const info = JSON.parse(readFileSync(path.join(s.stateDir, 'daemon.json'), 'utf8')) as { api: { port: number } };
    const token = readFileSync(path.join(s.stateDir, 'token'), 'utf8').trim();
    const r = await fetch(`http://127.0.0.1:${info.api.port}/api/update/gw?version=4.0.0`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(r.status, await r.text()).toBe(202);
    return d;
  }

  /** A new daemon on the same state dir (as the guardian or systemd would start one). */
  async function nextDaemon(s: InterruptedSetup): Promise<TestDaemon> {
    const td = await startTestDaemon({ services: [] }, { dir: s.dir, apiPort: 0 });
    cleanup.push(() => td.stop());
    return td;
  }

  const journaled = (stateDir: string, type: string): ClawbackEvent[] =>
    readJournalFile(path.join(stateDir, 'journal.jsonl')).filter((e) => e.type === type && (e.details as { interrupted?: boolean } | undefined)?.interrupted);

  return { cleanup, tarballs: () => tgz, setup, servedVersion, daemonUpdating, nextDaemon, journaled };
}
