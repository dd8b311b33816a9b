// A gateway with gateway.tls.enabled serves HTTPS only (openclaw 2026.9.6, docs/gateway/config-gateway.md `gateway.tls`:
// a self-signed pair is generated when none is given). Seen with the real gateway under `clawback run`: the preset's
// http:// liveness got 'the connection closed without a response', and the healthy gateway was restarted 132 s after
// its start (L1 incident), again after each start. init must write probes that speak to it over https://.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runInit, type InitIo } from '../../src/cli/cmd-init.js';
import { loadConfig } from '../../src/config/load.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import { createProbe } from '../../src/probes/registry.js';
import { freePortRun } from '../helpers/ports.js';

function home(gateway: string): { home: string; cwd: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-tls-'));
  const h = path.join(root, 'home');
  const cwd = path.join(root, 'work');
  for (const d of [path.join(h, '.openclaw'), cwd]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(h, '.openclaw', 'openclaw.json'), `{ gateway: ${gateway} }\n`);
  return { home: h, cwd };
}

function io(h: string, cwd: string): InitIo {
  return {
    // No openclaw on PATH: detection reads the config itself (no CLI child).
    env: { PATH: '/usr/bin:/bin', HOME: h },
    home: h,
    platform: 'linux',
    cwd,
    runner: realCommandRunner(),
    now: new Date('2026-05-01T12:00:00Z'),
    stdout: () => {},
    stderr: () => {},
  };
}

async function initService(gateway: string) {
  const w = home(gateway);
  expect(await runInit({ preset: 'openclaw' }, io(w.home, w.cwd))).toBe(0);
  return loadConfig({ file: path.join(w.cwd, 'clawback.yaml'), stateDir: path.join(w.cwd, 'state') }).config.services[0]!;
}

/** A self-signed pair, as the gateway's autoGenerate makes one. */
function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-tls-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=openclaw-gateway', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { stdio: 'ignore', timeout: 20_000 });
  return { key: readFileSync(path.join(dir, 'k.pem')), cert: readFileSync(path.join(dir, 'c.pem')) };
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

describe('openclaw preset: a gateway with gateway.tls.enabled', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('init writes https:// liveness and readiness probes that accept its certificate; a plain gateway keeps http://', async () => {
    const s = await initService('{ mode: "local", port: 19555, tls: { enabled: true } }');
    expect(s.probes.find((p) => p.name === 'liveness')).toMatchObject({ url: 'https://127.0.0.1:19555/healthz', insecure: true });
    expect(s.probes.find((p) => p.name === 'readiness')).toMatchObject({ url: 'https://127.0.0.1:19555/readyz', insecure: true });
    const plain = await initService('{ mode: "local", port: 19555, tls: { enabled: false } }');
    expect(plain.probes.find((p) => p.name === 'liveness')).toMatchObject({ url: 'http://127.0.0.1:19555/healthz', insecure: false });
  }, 20_000);

  it.skipIf(!hasOpenssl())('those probes pass against a real HTTPS listener with a self-signed certificate', async () => {
    const port = await freePortRun(1);
    const server = createServer(selfSigned(), (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/readyz' ? JSON.stringify({ ready: true, failing: [] }) : JSON.stringify({ ok: true, status: 'live' }));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    const s = await initService(`{ mode: "local", port: ${port}, tls: { enabled: true } }`);
    const target = { pid: process.pid, startedAt: Date.now() };
    for (const name of ['liveness', 'readiness']) {
      const r = await createProbe(s.probes.find((p) => p.name === name)!).check(target, AbortSignal.timeout(10_000));
      expect({ name, status: r.status, message: r.message }).toMatchObject({ name, status: 'success' });
    }
  }, 30_000);
});
