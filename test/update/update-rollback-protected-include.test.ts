// The same with a split config: gateway.auth lives in auth.json, which gw.json `$include`s. The update backed up the
// main file only and compared protected settings in it only, so the included file was neither backed up nor put back
// (the rollback left whatever the failed version or a person wrote there) and a token rotated in it during the watch
// went unnamed. The included files are now backed up with the main file, named in the backup step, put back by the
// rollback, and a protected setting changed in one since the backup is named with the file and kept as evidence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, tempDir, NODE, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { installFake, packFake } from './fake-package.js';
import type { UpdateRunView } from '../../src/update/update-plugin.js';

describe('a protected setting changed in an included file during the post-update watch (real daemon, real npm installs)', () => {
  let dir: string;
  let versions: string;
  let td: TestDaemon;
  let port: number;
  let cfgPath: string;
  let authPath: string;

  beforeAll(async () => {
    dir = await fs.realpath(tempDir('clawback-upd-prot-inc-'));
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
    await fs.writeFile(cfgPath, JSON.stringify({ port, $include: './auth.json' }));
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
            configFile: { path: cfgPath, format: 'json', protect: ['gateway.auth'] },
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

  it('the backup names the included file; the rollback puts it back, names gateway.auth.token and auth.json, and keeps the rotated token', async () => {
    const base = `http://127.0.0.1:${td.daemon.api!.port}`;
    const token = readFileSync(path.join(td.stateDir, 'token'), 'utf8').trim();
    const r = await fetch(`${base}/api/update/gw?version=2.0.0`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const body = (await r.json()) as { runId: string };
    expect(r.status).toBe(202);
    // 2.0.0 is up and watched: a person rotates the token in the included file meanwhile.
    await waitFor(() => td.events.some((e) => e.type === 'update.step' && (e.details as { step?: string }).step === 'start') || undefined, { timeoutMs: 90_000, intervalMs: 50 });
    await fs.writeFile(authPath, JSON.stringify({ gateway: { auth: { token: 'rotated-token-2' } } }));
    const view = await waitFor(async () => {
      const v = (await (await fetch(`${base}/api/update/gw`)).json()) as UpdateRunView;
      return v.runId === body.runId && !v.running ? v : undefined;
    }, { timeoutMs: 90_000, intervalMs: 300 });
    const report = view.report!;
    expect(report.outcome).toBe('rolled-back');
    expect(await fs.readlink(path.join(versions, 'current'))).toBe('1.0.0');
    const backup = view.steps.find((s) => s.step === 'backup');
    expect(backup?.message, JSON.stringify(view.steps)).toContain(authPath);
    // Named: which protected setting the rollback overwrote, in which file, and where the newer file is.
    expect(report.message, report.message).toMatch(/gateway\.auth\.token/);
    expect(report.message, report.message).toContain(`changed in ${authPath} since the backup`);
    const rolled = td.events.find((e) => e.type === 'update.rolled-back' && (e.details as { runId?: string }).runId === body.runId);
    expect(rolled?.message).toMatch(/gateway\.auth\.token/);
    expect(rolled?.severity).toBe('critical');
    const kept = /the newer files? (?:is|are) kept in (\S+) \(/.exec(report.message)?.[1];
    expect(kept, report.message).toBeDefined();
    const copies = (await fs.readdir(kept!)).map((f) => readFileSync(path.join(kept!, f), 'utf8'));
    expect(copies.some((c) => c.includes('rotated-token-2'))).toBe(true);
    // The rollback itself is what it was: the config as backed up, the included file too.
    expect(readFileSync(authPath, 'utf8')).toContain('old-token-1');
    expect(readFileSync(cfgPath, 'utf8')).toContain('$include');
  }, 180_000);
});
