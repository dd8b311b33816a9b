import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, tempDir, NODE, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { installFake, packFake } from './fake-package.js';
import type { UpdateRunView } from '../../src/update/update-plugin.js';

/**
 * The backup of an update took the last room on the disk the service's files and Clawback's state share, and the new
 * version crash-looped: the rollback could not keep the failed version's state file aside (ENOSPC), threw, and left
 * `current` on the failed version with the service stopped (and its record cleared). Then a file that could not be put
 * back was left as the failed version left it and reported, and the old version was started on that mix (its config
 * back, its database the failed version's). Now the link goes back, the restore's outcome goes to the reducer, and the
 * service is held at Level 4 with the file named, until a person resumes it.
 */
describe('an update rolled back on a full disk (real daemon, real tmpfs, real npm installs from tarballs)', () => {
  let disk: SmallDisk;
  let outside: string;
  let versions: string;
  let td: TestDaemon;
  let port: number;
  let cfgPath: string;
  let statePath: string;

  beforeAll(async () => {
    outside = await fs.realpath(tempDir('clawback-upd-fd-'));
    const tgz = path.join(outside, 'tgz');
    await fs.mkdir(tgz);
    await packFake(tgz, '1.0.0', 'good');
    await packFake(tgz, '2.0.0', 'crash');
    versions = path.join(outside, 'versions');
    const cache = path.join(outside, 'npm-cache');
    await installFake(versions, tgz, '1.0.0', cache);
    disk = mountSmallDisk('4m');
    const dir = disk.dir;
    port = await freePort();
    cfgPath = path.join(dir, 'gw.json');
    statePath = path.join(dir, 'gw-state', 'main.db');
    await fs.mkdir(path.dirname(statePath));
    await fs.writeFile(cfgPath, JSON.stringify({ port }));
    await fs.writeFile(statePath, 'rows\n'.repeat(40_000));
    const cur = path.join(versions, 'current', 'node_modules', 'fake-gw');
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'gw',
            command: [NODE, path.join(cur, 'server.mjs')],
            env: { FAKE_CONFIG: cfgPath, FAKE_STATE: statePath },
            configFile: { path: cfgPath, format: 'json' },
            restart: { backoff: { initial: '100ms', max: '500ms' }, intensity: { maxRestarts: 20, window: '1m' } },
            stop: { grace: '3s' },
            probes: [{ kind: 'http', name: 'readiness', url: `http://127.0.0.1:${port}/readyz`, interval: '1s', timeout: '1s', failureThreshold: 2, action: 'notify' }],
            update: { package: 'fake-gw', dir: versions, source: path.join(tgz, 'fake-gw-{version}.tgz'), installArgs: ['--offline', '--cache', cache], stateFiles: [path.join(dir, 'gw-state', '*.db')], watch: '8s', settle: '1s', crashLoopExits: 2 },
          },
        ],
      },
      { dir },
    );
    await waitFor(async () => (await version()) === '1.0.0', { timeoutMs: 20_000 });
  }, 240_000);

  afterAll(async () => {
    await td?.stop();
    disk?.unmount();
    await fs.rm(outside, { recursive: true, force: true });
  });

  async function version(): Promise<string | undefined> {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      return ((await r.json()) as { version: string }).version;
    } catch {
      return undefined;
    }
  }

  it('a crash-looping version on a disk the backup filled: current goes back, and the old version is held (Level 4, the file named), not started on a mix of files', async () => {
    const base = `http://127.0.0.1:${td.daemon.api!.port}`;
    const token = readFileSync(path.join(td.stateDir, 'token'), 'utf8').trim();
    disk.fill(300 * 1024);
    const free0 = disk.available();
    const r = await fetch(`${base}/api/update/gw?version=2.0.0`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const body = (await r.json()) as { runId: string };
    expect(r.status).toBe(202);
    const view = await waitFor(async () => {
      const v = (await (await fetch(`${base}/api/update/gw`)).json()) as UpdateRunView;
      return v.runId === body.runId && !v.running ? v : undefined;
    }, { timeoutMs: 90_000, intervalMs: 300 });
    expect(free0).toBeGreaterThan(0);
    const report = view.report!;
    expect(report.outcome).toBe('rolled-back');
    // Not the failed version; and not the old one on the failed version's database: held for a person.
    expect(await fs.readlink(path.join(versions, 'current'))).toBe('1.0.0');
    const st = td.daemon.runtimes.get('gw')!.status();
    expect(st.state).toBe('held');
    expect(st.held?.detail).toMatch(/main\.db \(ENOSPC/);
    expect(await version()).toBeUndefined();
    const escalated = td.events.find((e) => e.type === 'incident.escalated' && e.service === 'gw');
    expect(escalated?.level).toBe(4);
    expect(escalated?.message).toMatch(/main\.db/);
    expect(report.message).toMatch(/held, not started on a mix/);
    // What could not be restored is named, loudly; nothing was overwritten without its evidence kept.
    expect(report.message).toMatch(/main\.db not restored \(ENOSPC/);
    expect(readFileSync(statePath, 'utf8')).toContain('opened by 2.0.0');
    expect(JSON.parse(readFileSync(cfgPath, 'utf8'))).toEqual({ port });
    const rolled = td.events.find((e) => e.type === 'update.rolled-back' && (e.details as { runId?: string }).runId === body.runId);
    expect(rolled?.severity).toBe('critical');
    expect(rolled?.message).toMatch(/main\.db not restored/);
  }, 180_000);
});
