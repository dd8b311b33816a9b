// One set-up for the update tests: fake-gw tarballs, the first version installed by npm, a real daemon supervising it.
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, tempDir, NODE, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { installFake, packFake, type FakeMode } from './fake-package.js';
import type { UpdateRunView } from '../../src/update/update-plugin.js';

export interface UpdateHarnessOptions {
  /** Tarballs to pack: the first is installed and made current. */
  packages: Array<readonly [version: string, mode: FakeMode]>;
  /** Where the service's config and state live (default: the harness's own temp directory). */
  filesDir?: string;
  /** Content of the state file main.db (default "rows\n"). */
  state?: string;
  /** Merged into the service entry (restart policy, probes...). */
  service?: Record<string, unknown>;
  /** Merged into the service's update key. */
  update?: Record<string, unknown>;
  /** Wait until the first version serves (default true). */
  waitReady?: boolean;
}

export interface UpdateHarness {
  dir: string;
  versions: string;
  tgz: string;
  td: TestDaemon;
  port: number;
  cfgPath: string;
  statePath: string;
  base: string;
  token: string;
  /** The version the running fake-gw answers with, undefined when nothing answers. */
  version(): Promise<string | undefined>;
  /** POST /api/update/gw?version=v<extra> with the token. */
  update(v: string, extra?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The run's view once it is no longer running. */
  finished(runId: unknown): Promise<UpdateRunView>;
  current(): Promise<string>;
  stop(): Promise<void>;
}

export async function startUpdateHarness(o: UpdateHarnessOptions): Promise<UpdateHarness> {
  const dir = await fs.realpath(tempDir('clawback-update-'));
  const tgz = path.join(dir, 'tgz');
  await fs.mkdir(tgz);
  for (const [v, mode] of o.packages) await packFake(tgz, v, mode);
  const versions = path.join(dir, 'versions');
  const cache = path.join(dir, 'npm-cache');
  const first = o.packages[0]![0];
  await installFake(versions, tgz, first, cache);
  const files = o.filesDir ?? dir;
  const port = await freePort();
  const cfgPath = path.join(files, 'gw.json');
  const statePath = path.join(files, 'gw-state', 'main.db');
  await fs.mkdir(path.dirname(statePath), { recursive: true });
  await fs.writeFile(cfgPath, JSON.stringify({ port }));
  await fs.writeFile(statePath, o.state ?? 'rows\n');
  const cur = path.join(versions, 'current', 'node_modules', 'fake-gw');
  const td = await startTestDaemon(
    {
      services: [
        {
          name: 'gw',
          command: [NODE, path.join(cur, 'server.mjs')],
          env: { FAKE_CONFIG: cfgPath, FAKE_STATE: statePath },
          configFile: { path: cfgPath, format: 'json', validateCommand: [NODE, path.join(cur, 'validate.mjs'), '{file}'] },
          restart: { backoff: { initial: '100ms', max: '500ms' }, intensity: { maxRestarts: 20, window: '1m' } },
          stop: { grace: '3s' },
          probes: [{ kind: 'http', name: 'readiness', url: `http://127.0.0.1:${port}/readyz`, interval: '1s', timeout: '1s', failureThreshold: 2, action: 'notify' }],
          ...o.service,
          update: {
            package: 'fake-gw',
            dir: versions,
            source: path.join(tgz, 'fake-gw-{version}.tgz'),
            installArgs: ['--offline', '--cache', cache],
            stateFiles: [path.join(files, 'gw-state', '*.db')],
            watch: '8s',
            settle: '1500ms',
            crashLoopExits: 2,
            ...o.update,
          },
        },
      ],
    },
    { dir },
  );
  const base = `http://127.0.0.1:${td.daemon.api!.port}`;
  const token = readFileSync(path.join(td.stateDir, 'token'), 'utf8').trim();
  const version = async (): Promise<string | undefined> => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      return ((await res.json()) as { version: string }).version;
    } catch {
      return undefined;
    }
  };
  const h: UpdateHarness = {
    dir,
    versions,
    tgz,
    td,
    port,
    cfgPath,
    statePath,
    base,
    token,
    version,
    async update(v, extra = '') {
      const res = await fetch(`${base}/api/update/gw?version=${v}${extra}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    finished: (runId) =>
      waitFor(
        async () => {
          const v = (await (await fetch(`${base}/api/update/gw`)).json()) as UpdateRunView;
          return v.runId === runId && !v.running ? v : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 300 },
      ),
    current: () => fs.readlink(path.join(versions, 'current')),
    async stop() {
      await td.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  if (o.waitReady ?? true) {
    // Generous for a loaded machine (the first start of an npm-installed tree); a failure says what the daemon saw and
    // stops it (its service was left running as a leaked process).
    const story = (): string => `fake-gw ${first} serving on ${port}; events: ${td.events.slice(-15).map((e) => `${e.type} ${e.message}`).join(' | ')}`;
    await waitFor(async () => (await version()) === first, { timeoutMs: 60_000, message: story }).catch(async (err: unknown) => {
      await h.stop().catch(() => undefined);
      throw err;
    });
  }
  return h;
}
