// Two included files changed during the post-update watch (gateway.auth in auth.json, gateway.remote in remote.json,
// both protected): the rollback put both back and kept the newer copies as 0000-auth.json and 0001-remote.json in one
// evidence folder, but its message named the folder only. It now says which copy came from which file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, tempDir, NODE, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { installFake, packFake } from './fake-package.js';
import type { UpdateRunView } from '../../src/update/update-plugin.js';

describe('protected settings changed in two included files during the post-update watch (real daemon, real npm installs)', () => {
  let dir: string;
  let versions: string;
  let td: TestDaemon;
  let port: number;
  let cfgPath: string;
  let authPath: string;
  let remotePath: string;

  beforeAll(async () => {
    dir = await fs.realpath(tempDir('clawback-upd-prot-inc2-'));
    const tgz = path.join(dir, 'tgz');
    await fs.mkdir(tgz);
    await packFake(tgz, '1.0.0', 'good');
    await packFake(tgz, '2.0.0', 'never-ready');
    versions = path.join(dir, 'versions');
    const cache = path.join(dir, 'npm-cache');
    await installFake(versions, tgz, '1.0.0', cache);
    port = await freePort();
    cfgPath = path.join(dir, 'gw.json');
    const statePath = path.join(dir, 'gw-state', 'main.db');
    await fs.mkdir(path.dirname(statePath));
    authPath = path.join(dir, 'auth.json');
    remotePath = path.join(dir, 'remote.json');
    await fs.writeFile(cfgPath, JSON.stringify({ port, $include: ['./auth.json', './remote.json'] }));
    await fs.writeFile(remotePath, JSON.stringify({ gateway: { remote: { url: 'wss://old.example' } } }));
    await fs.writeFile(authPath, JSON.stringify({ gateway: { auth: { token: 'old-token-1' } } }));
    await fs.writeFile(statePath, 'rows\n');
    const cur = path.join(versions, 'current', 'node_modules', 'fake-gw');
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'gw',
            command: [NODE, path.join(cur, 'server.mjs')],
            env: { FAKE_CONFIG: cfgPath, FAKE_STATE: statePath },
            configFile: { path: cfgPath, format: 'json', protect: ['gateway.auth', 'gateway.remote'] },
            stop: { grace: '3s' },
            probes: [{ kind: 'http', name: 'readiness', url: `http://127.0.0.1:${port}/readyz`, interval: '1s', timeout: '1s', failureThreshold: 2, action: 'notify' }],
            update: { package: 'fake-gw', dir: versions, source: path.join(tgz, 'fake-gw-{version}.tgz'), installArgs: ['--offline', '--cache', cache], stateFiles: [path.join(dir, 'gw-state', '*.db')], watch: '5s', settle: '1s' },
          },
        ],
      },
      { dir },
    );
    await waitFor(async () => (await version()) === '1.0.0', { timeoutMs: 20_000 });
  }, 240_000);

  afterAll(async () => {
    await td?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function version(): Promise<string | undefined> {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      return ((await r.json()) as { version: string }).version;
    } catch {
      return undefined;
    }
  }

  it('the rollback names each newer copy with the file it came from', async () => {
    const base = `http://127.0.0.1:${td.daemon.api!.port}`;
    const token = readFileSync(path.join(td.stateDir, 'token'), 'utf8').trim();
    const r = await fetch(`${base}/api/update/gw?version=2.0.0`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const body = (await r.json()) as { runId: string };
    expect(r.status).toBe(202);
    await waitFor(() => td.events.some((e) => e.type === 'update.step' && (e.details as { step?: string }).step === 'start') || undefined, { timeoutMs: 90_000, intervalMs: 50 });
    await fs.writeFile(authPath, JSON.stringify({ gateway: { auth: { token: 'rotated-token-2' } } }));
    await fs.writeFile(remotePath, JSON.stringify({ gateway: { remote: { url: 'wss://new.example' } } }));
    const view = await waitFor(async () => {
      const v = (await (await fetch(`${base}/api/update/gw`)).json()) as UpdateRunView;
      return v.runId === body.runId && !v.running ? v : undefined;
    }, { timeoutMs: 90_000, intervalMs: 300 });
    const report = view.report!;
    expect(report.outcome).toBe('rolled-back');
    const kept = /the newer files are kept in (\S+) \(([^;]*);/.exec(report.message);
    expect(kept, report.message).not.toBeNull();
    // Each file named with its copy, and each copy holds what that file held.
    const pairs = new Map(kept![2]!.split(', ').map((p) => p.split(' as ') as [string, string]));
    expect([...pairs.keys()].sort(), report.message).toEqual([authPath, remotePath].sort());
    expect(readFileSync(path.join(kept![1]!, pairs.get(authPath)!), 'utf8')).toContain('rotated-token-2');
    expect(readFileSync(path.join(kept![1]!, pairs.get(remotePath)!), 'utf8')).toContain('wss://new.example');
    const rolled = td.events.find((e) => e.type === 'update.rolled-back' && (e.details as { runId?: string }).runId === body.runId);
    expect(rolled?.message).toContain(`${authPath} as ${pairs.get(authPath)}`);
    expect(readFileSync(remotePath, 'utf8')).toContain('wss://old.example');
  }, 180_000);
});
