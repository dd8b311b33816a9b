// Supervisor tests lean on the tiny fixture programs and helpers: check they behave as promised.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { httpGet, isAlive, isRunning, killTree, pidRef, PROCESS_START_MS, spawnMarked, waitFor, type MarkedChild, type PidRef } from '../helpers/processes.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

let dir = '';
const started: MarkedChild[] = [];
const strayPids: PidRef[] = [];

function run(name: string, args: string[] = []): MarkedChild {
  const child = spawnMarked(process.execPath, [fixture(name), ...args]);
  started.push(child);
  return child;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-fixtures-'));
});

afterEach(async () => {
  for (const child of started.splice(0)) {
    child.kill();
    await child.waitForExit(5000);
  }
  for (const ref of strayPids.splice(0)) killTree(ref);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fixtures', () => {
  it('exit-with exits with the given code after the given delay', async () => {
    const child = run('exit-with.mjs', ['42', '200']);
    const exit = await child.waitForExit(10_000);
    expect(exit.code).toBe(42);
    expect(child.stdout()).toContain('exiting with code 42');
    expect((await run('exit-with.mjs').waitForExit(10_000)).code).toBe(0);
  });

  it('sleeper prints ready and exits 0 on SIGTERM', async () => {
    const child = run('sleeper.mjs');
    await child.waitForStdout('ready', 10_000);
    expect(isAlive(child.pid)).toBe(true);
    process.kill(child.pid, 'SIGTERM');
    expect(await child.waitForExit(5000)).toEqual({ code: 0, signal: null });
  });

  it('ignore-sigterm survives SIGTERM to its group, grandchild too; killTree ends both', async () => {
    const child = run('ignore-sigterm.mjs');
    const out = await child.waitForStdout(/\{.*"grandchild".*\}\n/, 10_000);
    const pids = JSON.parse(out.trim()) as { pid: number; grandchild: number };
    strayPids.push(pidRef(pids.grandchild));
    expect(pids.pid).toBe(child.pid);
    expect(isAlive(pids.grandchild)).toBe(true);
    process.kill(-child.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(isAlive(child.pid)).toBe(true);
    expect(isAlive(pids.grandchild)).toBe(true);
    killTree(child.ref);
    await waitFor(() => !isAlive(child.pid) && !isAlive(pids.grandchild), { timeoutMs: 5000, message: 'both pids gone' });
  });

  it('write-pid-and-sleep writes its pid to the file', async () => {
    const file = path.join(dir, 'service.pid');
    const child = run('write-pid-and-sleep.mjs', [file]);
    const text = await waitFor(async () => (await readFile(file, 'utf8').catch(() => '')).trim(), { timeoutMs: 10_000 });
    expect(Number(text)).toBe(child.pid);
    expect(isAlive(child.pid)).toBe(true);
  });
});

describe('helpers', () => {
  it('freePort returns a port that can be listened on', async () => {
    const port = await freePort();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise((r) => server.close(r));
  });

  it('waitFor throws a clear message on timeout and returns the first truthy value', async () => {
    await expect(waitFor(() => false, { timeoutMs: 100, intervalMs: 10, message: 'never' })).rejects.toThrow(
      /timed out after 100 ms waiting for never/,
    );
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? n : 0), { timeoutMs: 2000, intervalMs: 5 })).toBe(3);
  });

  it("waitFor's default bound outlasts a node start on a loaded machine (seen at 8 s), not 5 s", async () => {
    // A child that takes 6 s to say it is up, as a node start did under load.
    const child = spawnMarked(process.execPath, ['-e', "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 6000); console.log('up'); setInterval(() => {}, 1000)"]);
    try {
      const t0 = performance.now();
      await waitFor(() => child.stdout().includes('up'), { message: 'the slow child to say it is up' });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(5000);
    } finally {
      child.kill();
      await child.waitForExit(PROCESS_START_MS).catch(() => undefined);
    }
  });

  it('httpGet refuses non-loopback URLs and times out on a silent server', async () => {
    await expect(httpGet('http://example.com/')).rejects.toThrow(/non-loopback/);
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as net.AddressInfo).port;
    await expect(httpGet(`http://127.0.0.1:${port}/`, 200)).rejects.toThrow(/timed out after 200 ms/);
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('spawnMarked sets the marker env and isAlive/killTree work', async () => {
    const child = spawnMarked(process.execPath, ['-e', "process.stdout.write(process.env.CLAWBACK_TEST_CHILD + '\\n'); setInterval(() => {}, 1e6)"]);
    started.push(child);
    await child.waitForStdout('1\n', 10_000);
    expect(isAlive(child.pid)).toBe(true);
    killTree(child.ref);
    expect((await child.waitForExit(5000)).signal).toBe('SIGKILL');
    expect(isRunning(child.ref)).toBe(false);
    killTree(child.ref); // ESRCH is ignored; a process that took the pid since is left alone
  });
});
