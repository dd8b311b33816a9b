// The demo gateway is the subject of every drill: prove each of its behaviours with a real process.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnDemoGateway, startDemoGateway, writeDemoConfig, type DemoGateway } from '../helpers/demo.js';
import { freePort } from '../helpers/ports.js';
import { httpGet, httpPost, isAlive, rssBytes, waitFor, type MarkedChild } from '../helpers/processes.js';

const MB = 1024 * 1024;

let dir = '';
const started: MarkedChild[] = [];

async function start(opts: Parameters<typeof startDemoGateway>[0] = {}): Promise<DemoGateway> {
  const gw = await startDemoGateway(opts);
  started.push(gw.child);
  return gw;
}

function spawnOnly(opts: Parameters<typeof spawnDemoGateway>[0] = {}): MarkedChild {
  const child = spawnDemoGateway(opts);
  started.push(child);
  return child;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-demo-gateway-'));
});

afterEach(async () => {
  for (const child of started.splice(0)) {
    child.kill();
    await child.waitForExit(5000);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('demo gateway: endpoints', () => {
  it('answers /health, /healthz, /readyz, / and 404 with JSON', async () => {
    const gw = await start();
    const health = await httpGet(`${gw.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(health.headers['content-type']).toMatch(/application\/json/);
    const body = JSON.parse(health.body) as Record<string, unknown>;
    expect(body).toMatchObject({ ok: true, status: 'live', pid: gw.pid, name: 'demo-gateway' });
    expect(body.uptimeMs).toEqual(expect.any(Number));
    expect(body.rssBytes).toBeGreaterThan(1 * MB);

    expect((await httpGet(`${gw.baseUrl}/healthz`)).status).toBe(200);
    const ready = await httpGet(`${gw.baseUrl}/readyz`);
    expect(JSON.parse(ready.body)).toEqual({ ready: true });
    expect(JSON.parse((await httpGet(`${gw.baseUrl}/`)).body)).toMatchObject({ hello: 'demo-gateway' });
    const missing = await httpGet(`${gw.baseUrl}/nope`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: 'not found' });
    expect((await httpGet(`${gw.baseUrl}/fault/crash`)).status).toBe(405);
  });

  it('logs a JSON "listening" line with the real port when started on port 0', async () => {
    const gw = await start();
    const line = gw.child.stdout().split('\n').find((l) => l.includes('"listening"'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 'info', msg: 'listening', port: gw.port, pid: gw.pid });
    expect(gw.port).toBeGreaterThan(0);
  });

  it('uses the config file name and port, and --port / PORT override the port', async () => {
    const port = await freePort();
    const configPath = await writeDemoConfig(dir, { name: 'gw-from-config', port });
    const gw = await start({ configPath });
    expect(gw.port).toBe(port);
    expect(JSON.parse((await httpGet(`${gw.baseUrl}/health`)).body)).toMatchObject({ name: 'gw-from-config' });
    await gw.stop();

    const envPort = await freePort();
    const viaEnv = await start({ configPath, env: { PORT: String(envPort) } });
    expect(viaEnv.port).toBe(envPort);
  });
});

describe('demo gateway: invalid config exits 78 and names the problem', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['truncated JSON', '{"name":"demo-gateway","port":', /not valid JSON/],
    ['port of the wrong type', '{"port":"abc"}', /port: expected an integer 0-65535, got "abc"/],
    ['port out of range', '{"port":70000}', /port: expected an integer 0-65535, got 70000/],
    ['unknown key', '{"port":0,"gatewayMode":"x"}', /gatewayMode: unknown key/],
    ['top level not an object', '[1,2]', /expected an object/],
    ['bad faults.enabled', '{"faults":{"enabled":"no"}}', /faults\.enabled: expected a boolean/],
  ];
  for (const [what, text, expected] of cases) {
    it(what, async () => {
      const configPath = path.join(dir, `bad-${what.replace(/\W+/g, '-')}.json`);
      await writeFile(configPath, text);
      const child = spawnOnly({ configPath });
      const exit = await child.waitForExit(10_000);
      expect(exit.code).toBe(78);
      expect(child.stderr()).toMatch(/^demo-gateway: config invalid: /);
      expect(child.stderr()).toContain(configPath);
      expect(child.stderr()).toMatch(expected);
      expect(child.stderr().trim().split('\n')).toHaveLength(1);
    });
  }

  it('missing file', async () => {
    const configPath = path.join(dir, 'does-not-exist.json');
    const child = spawnOnly({ configPath });
    expect((await child.waitForExit(10_000)).code).toBe(78);
    expect(child.stderr()).toMatch(/does-not-exist\.json: cannot read file \(ENOENT\)/);
  });

  it('invalid PORT env', async () => {
    const child = spawnOnly({ env: { PORT: 'eighty' }, port: null });
    expect((await child.waitForExit(10_000)).code).toBe(78);
    expect(child.stderr()).toMatch(/PORT: expected an integer 0-65535, got "eighty"/);
  });
});

describe('demo gateway: fault switches', () => {
  it('crash exits with the requested code after answering 202', async () => {
    const gw = await start();
    const res = await httpPost(`${gw.baseUrl}/fault/crash?code=7`);
    expect(res.status).toBe(202);
    expect((await gw.child.waitForExit(10_000)).code).toBe(7);
  });

  it('crash defaults to exit code 1', async () => {
    const gw = await start();
    expect((await httpPost(`${gw.baseUrl}/fault/crash`)).status).toBe(202);
    expect((await gw.child.waitForExit(10_000)).code).toBe(1);
  });

  it('hang blocks the event loop: /health times out while the process is alive', async () => {
    const gw = await start();
    expect((await httpPost(`${gw.baseUrl}/fault/hang`)).status).toBe(202);
    await expect(httpGet(`${gw.baseUrl}/health`, 1000)).rejects.toThrow(/timed out/);
    expect(isAlive(gw.pid)).toBe(true);
    gw.child.kill();
  });

  it('hang with ms recovers afterwards', async () => {
    const gw = await start();
    expect((await httpPost(`${gw.baseUrl}/fault/hang?ms=1500`)).status).toBe(202);
    await expect(httpGet(`${gw.baseUrl}/health`, 500)).rejects.toThrow(/timed out/);
    await waitFor(async () => (await httpGet(`${gw.baseUrl}/health`, 1000)).status === 200, { timeoutMs: 10_000 });
  });

  it('leak grows RSS by at least 50 MB, and reset frees it for collection', async () => {
    const gw = await start();
    const before = rssBytes(gw.pid);
    expect(before).toBeGreaterThan(0);
    expect((await httpPost(`${gw.baseUrl}/fault/leak?mbPerSec=100&maxMb=200`)).status).toBe(202);
    await waitFor(() => (rssBytes(gw.pid) ?? 0) >= (before ?? 0) + 50 * MB, {
      timeoutMs: 10_000,
      intervalMs: 100,
      message: () => `RSS to grow 50 MB over ${before} (now ${rssBytes(gw.pid)})`,
    });
    const reset = await httpPost(`${gw.baseUrl}/fault/reset`);
    expect(reset.status).toBe(200);
    expect(JSON.parse(reset.body).freedMb).toBeGreaterThan(0);
    expect((await httpGet(`${gw.baseUrl}/health`)).status).toBe(200);
  });

  it('a leak with ms switches itself off after that long and frees what it held (a drill killed mid-trial leaves none)', async () => {
    const gw = await start();
    const before = rssBytes(gw.pid) ?? 0;
    const on = await httpPost(`${gw.baseUrl}/fault/leak?mbPerSec=200&maxMb=120&ms=1500`);
    expect(on.status).toBe(202);
    expect(JSON.parse(on.body)).toMatchObject({ accepted: 'leak', ms: 1500 });
    await waitFor(() => (rssBytes(gw.pid) ?? 0) >= before + 50 * MB, { timeoutMs: 10_000, intervalMs: 50, message: () => `RSS to grow 50 MB over ${before}` });
    // Off by itself: nothing is left to free by the time a reset comes, and the log says so.
    await gw.child.waitForStdout('leak switched itself off', 10_000);
    const reset = await httpPost(`${gw.baseUrl}/fault/reset`);
    expect(JSON.parse(reset.body).freedMb).toBe(0);
    expect((await httpPost(`${gw.baseUrl}/fault/leak?ms=0`)).status).toBe(400);
  });

  it('unhealthy makes /health and /healthz answer 500 until reset', async () => {
    const gw = await start();
    expect((await httpPost(`${gw.baseUrl}/fault/unhealthy?status=500`)).status).toBe(202);
    const bad = await httpGet(`${gw.baseUrl}/health`);
    expect(bad.status).toBe(500);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false });
    expect((await httpGet(`${gw.baseUrl}/healthz`)).status).toBe(500);
    await httpPost(`${gw.baseUrl}/fault/unhealthy?status=503`);
    expect((await httpGet(`${gw.baseUrl}/healthz`)).status).toBe(503);
    expect((await httpPost(`${gw.baseUrl}/fault/reset`)).status).toBe(200);
    expect((await httpGet(`${gw.baseUrl}/health`)).status).toBe(200);
  });

  it('rejects bad switch parameters with 400', async () => {
    const gw = await start();
    expect((await httpPost(`${gw.baseUrl}/fault/crash?code=abc`)).status).toBe(400);
    expect((await httpPost(`${gw.baseUrl}/fault/unhealthy?status=200`)).status).toBe(400);
    expect((await httpPost(`${gw.baseUrl}/fault/leak?mbPerSec=-1`)).status).toBe(400);
    expect((await httpPost(`${gw.baseUrl}/fault/nope`)).status).toBe(404);
    expect(isAlive(gw.pid)).toBe(true);
  });

  it('switches are refused with 403 when faults.enabled is false', async () => {
    const configPath = await writeDemoConfig(dir, { faults: { enabled: false } });
    const gw = await start({ configPath });
    expect((await httpPost(`${gw.baseUrl}/fault/crash`)).status).toBe(403);
    expect((await httpGet(`${gw.baseUrl}/health`)).status).toBe(200);
  });
});

describe('demo gateway: signals', () => {
  it('exits 0 promptly on SIGTERM', async () => {
    const gw = await start();
    const t0 = performance.now();
    process.kill(gw.pid, 'SIGTERM');
    const exit = await gw.child.waitForExit(5000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(gw.child.stdout()).toContain('"shutting down"');
  });

  it('exits 0 on SIGTERM even with an open keep-alive connection', async () => {
    const gw = await start();
    const net = await import('node:net');
    const socket = net.connect(gw.port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    process.kill(gw.pid, 'SIGTERM');
    expect(await gw.child.waitForExit(5000)).toEqual({ code: 0, signal: null });
    socket.destroy();
  });

  it('ignores SIGTERM after POST /fault/ignore-sigterm', async () => {
    const gw = await start();
    expect((await httpPost(`${gw.baseUrl}/fault/ignore-sigterm`)).status).toBe(202);
    process.kill(gw.pid, 'SIGTERM');
    // The gateway's handler runs when the gateway gets the CPU (later than a fixed second on a loaded machine): wait
    // for what it says, then it is still up a second later.
    await gw.child.waitForStdout('SIGTERM received and ignored');
    await new Promise((r) => setTimeout(r, 1000));
    expect(isAlive(gw.pid)).toBe(true);
    expect((await httpGet(`${gw.baseUrl}/health`)).status).toBe(200);
    gw.child.kill();
    expect((await gw.child.waitForExit(5000)).signal).toBe('SIGKILL');
  });

  it('ignores SIGTERM from start with DEMO_IGNORE_SIGTERM=1', async () => {
    const gw = await start({ env: { DEMO_IGNORE_SIGTERM: '1' } });
    process.kill(gw.pid, 'SIGTERM');
    // Only once the signal was handled does "still up" say anything.
    await gw.child.waitForStdout('SIGTERM received and ignored');
    await new Promise((r) => setTimeout(r, 1000));
    expect(isAlive(gw.pid)).toBe(true);
    gw.child.kill();
  });
});

describe('demo gateway: start-time faults', () => {
  it('slow start: not listening before startupDelayMs, listening after', async () => {
    const delayMs = 2000;
    const port = await freePort();
    const configPath = await writeDemoConfig(dir, { port, startupDelayMs: delayMs });
    const t0 = performance.now();
    const child = spawnOnly({ configPath });
    // The gateway starts its delay timer right after printing this line, so a check now is inside the window.
    await child.waitForStdout('starting slowly', 20_000);
    const checkStart = performance.now();
    await expect(httpGet(`http://127.0.0.1:${port}/health`, 500)).rejects.toThrow(/ECONNREFUSED/);
    expect(performance.now() - checkStart).toBeLessThan(delayMs);
    expect(child.stdout()).not.toContain('"listening"');
    await waitFor(async () => (await httpGet(`http://127.0.0.1:${port}/health`, 1000)).status === 200, {
      timeoutMs: 15_000,
    });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(delayMs);
  });

  it('DEMO_STARTUP_DELAY_MS delays listening too', async () => {
    const t0 = performance.now();
    const gw = await start({ env: { DEMO_STARTUP_DELAY_MS: '800' } });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(800);
    expect(gw.child.stdout()).toContain('"startupDelayMs":800');
  });

  it('DEMO_EXIT_CODE exits at once with that code', async () => {
    const child = spawnOnly({ env: { DEMO_EXIT_CODE: '3' } });
    expect((await child.waitForExit(10_000)).code).toBe(3);
  });

  it('DEMO_CRASH_AFTER_MS is healthy first, then exits 1', async () => {
    const gw = await start({ env: { DEMO_CRASH_AFTER_MS: '1500' } });
    expect((await httpGet(`${gw.baseUrl}/health`)).status).toBe(200);
    expect((await gw.child.waitForExit(10_000)).code).toBe(1);
  });

  it('DEMO_LEAK_MB_PER_SEC leaks from start', async () => {
    const gw = await start({ env: { DEMO_LEAK_MB_PER_SEC: '100' } });
    await waitFor(() => (rssBytes(gw.pid) ?? 0) >= 150 * MB, {
      timeoutMs: 10_000,
      intervalMs: 100,
      message: () => `RSS to pass 150 MB (now ${rssBytes(gw.pid)})`,
    });
  });

  it('exits 1 with a clear line when the port is taken', async () => {
    const gw = await start();
    const second = spawnOnly({ port: gw.port });
    expect((await second.waitForExit(10_000)).code).toBe(1);
    expect(second.stderr()).toMatch(/cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  });
});
