// The fence guard on real processes: it SIGKILLs the instance's group when the deadline passes, not while it is refreshed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { fenceFile, spawnFenceGuard, writeFenceDeadline } from '../../src/cluster/fence-file.js';
import { leaseTiming } from '../../src/cluster/lease-timing.js';
import { FIXTURES, NODE } from '../helpers/daemon.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { taggedPids } from './cluster-members.js';

const started: MarkedChild[] = [];
const dirs: string[] = [];
const guards: Array<{ cancel(): void }> = [];

afterEach(() => {
  for (const g of guards.splice(0)) g.cancel();
  for (const c of started.splice(0)) c.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function instance(): Promise<MarkedChild> {
  const c = spawnMarked(NODE, [path.join(FIXTURES, 'sleeper.mjs')]);
  started.push(c);
  await c.waitForStdout('ready', 15_000);
  return c;
}

function file(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'clawback-fence-'));
  dirs.push(d);
  return fenceFile(d, 'gw');
}

function guard(f: string, pid: number, tag: string): void {
  guards.push(spawnFenceGuard(f, pid, { ...process.env, CLAWBACK_TEST_CHILD: '1', CLUSTER_TEST_TAG: tag }));
}

describe('fence guard', () => {
  it('kills the process group once the deadline passes', async () => {
    const c = await instance();
    const f = file();
    const deadline = Date.now() + 1500;
    await writeFenceDeadline(f, deadline, Date.now());
    guard(f, c.pid, 'fg-1');
    await new Promise((r) => setTimeout(r, 700));
    expect(isAlive(c.pid)).toBe(true);
    const info = await c.waitForExit(10_000);
    const lateMs = Date.now() - deadline;
    expect(info.signal).toBe('SIGKILL');
    expect(lateMs).toBeLessThan(2000);
    await waitFor(() => taggedPids('fg-1').length === 0, { timeoutMs: 5000, message: () => 'the guard to end with its instance' });
  });

  it('keeps the instance while the daemon refreshes the deadline, kills it when refreshes stop', async () => {
    const c = await instance();
    const f = file();
    await writeFenceDeadline(f, Date.now() + 800, Date.now());
    guard(f, c.pid, 'fg-2');
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 250));
      await writeFenceDeadline(f, Date.now() + 800, Date.now());
    }
    expect(isAlive(c.pid)).toBe(true);
    const info = await c.waitForExit(10_000);
    expect(info.signal).toBe('SIGKILL');
  });

  it('a step of the wall clock forward (NTP, date -s) does not kill the instance; the deadline still does', async () => {
    const c = await instance();
    const f = file();
    const deadline = Date.now() + 2500;
    await writeFenceDeadline(f, deadline, Date.now());
    // The guard's wall clock stands an hour ahead of the one the deadline was written with: a step after the write.
    const step = { NODE_OPTIONS: `--import ${new URL('../fixtures/wall-step.mjs', import.meta.url).href}`, WALL_STEP_MS: '3600000' };
    guards.push(spawnFenceGuard(f, c.pid, { ...process.env, ...step, CLAWBACK_TEST_CHILD: '1', CLUSTER_TEST_TAG: 'fg-6' }));
    await waitFor(() => taggedPids('fg-6').length === 1, { timeoutMs: 10_000, message: () => 'the guard to run' });
    await new Promise((r) => setTimeout(r, 800));
    expect(isAlive(c.pid)).toBe(true);
    const info = await c.waitForExit(10_000);
    expect(info.signal).toBe('SIGKILL');
    expect(Date.now() - deadline).toBeLessThan(2000);
  });

  it('kills when the machine slept past the deadline (the boot clock passed it, the monotonic one did not)', async () => {
    const c = await instance();
    const f = file();
    await writeFenceDeadline(f, Date.now() + 60_000, Date.now());
    const written = JSON.parse(readFileSync(f, 'utf8')) as Record<string, number>;
    // The boot clock counts a sleep; an hour slept puts its deadline in the past while the monotonic one is not.
    writeFileSync(f, JSON.stringify({ ...written, killAtBoot: written.killAtBoot! - 3_600_000 }));
    guard(f, c.pid, 'fg-7');
    const info = await c.waitForExit(10_000);
    expect(info.signal).toBe('SIGKILL');
  });

  it('kills at once when there is no deadline file (no proof the lease is ours)', async () => {
    const c = await instance();
    guard(path.join(os.tmpdir(), `clawback-no-such-fence-${process.pid}`), c.pid, 'fg-3');
    const info = await c.waitForExit(10_000);
    expect(info.signal).toBe('SIGKILL');
  });

  it('kills the workers that left the group too (a worker in its own session would go on answering)', async () => {
    const c = spawnMarked(NODE, [path.join(FIXTURES, 'escape-session.mjs')]);
    started.push(c);
    const line = await c.waitForStdout(/\{"pid":\d+,"escaped":\d+\}\n/, 15_000);
    const { escaped } = JSON.parse(line.trim().split('\n').pop()!) as { escaped: number };
    expect(isAlive(escaped)).toBe(true);
    guard(path.join(os.tmpdir(), `clawback-no-such-fence-${process.pid}-5`), c.pid, 'fg-5');
    const info = await c.waitForExit(10_000);
    expect(info.signal).toBe('SIGKILL');
    await waitFor(() => !isAlive(escaped), { timeoutMs: 5000, message: () => `the escaped worker ${escaped} to be killed` });
  });

  it('ends by itself when its instance is gone', async () => {
    const c = await instance();
    const f = file();
    await writeFenceDeadline(f, Date.now() + 60_000, Date.now());
    guard(f, c.pid, 'fg-4');
    await waitFor(() => taggedPids('fg-4').length === 1, { timeoutMs: 10_000, message: () => 'the guard to run' });
    c.kill();
    await waitFor(() => taggedPids('fg-4').length === 0, { timeoutMs: 5000, message: () => 'the guard to end' });
  });
});

describe('lease timing', () => {
  it('stops before the guard kills, and the guard kills before the lease can expire elsewhere', () => {
    for (const [ttl, grace] of [[2000, 5000], [5000, 1000], [10_000, 5000], [60_000, 30_000]] as const) {
      const t = leaseTiming(ttl, grace);
      expect(t.stopAfterMs).toBeLessThanOrEqual(t.killAfterMs);
      expect(t.killAfterMs + t.marginMs).toBe(ttl);
      expect(t.marginMs).toBeGreaterThanOrEqual(Math.max(1000, ttl * 0.2));
      // At least one renewal may fail before the reducer stops anything.
      expect(t.stopAfterMs).toBeGreaterThanOrEqual(t.renewEveryMs);
    }
  });
});

describe('lazy loading', () => {
  it('a daemon without a cluster block never loads the etcd client', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'clawback-lazy-'));
    dirs.push(d);
    const cfg = path.join(d, 'clawback.json');
    writeFileSync(cfg, JSON.stringify({ api: { port: 0 }, services: [{ name: 'gw', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], autostart: false }] }));
    const c = spawnMarked(NODE, [
      '--input-type=module',
      '-e',
      `const { createDaemon } = await import(${JSON.stringify(new URL('../../dist/daemon/daemon.js', import.meta.url).href)});
       const { defaultDaemonOptions } = await import(${JSON.stringify(new URL('../../dist/daemon/wiring.js', import.meta.url).href)});
       const daemon = await createDaemon({ ...defaultDaemonOptions(), file: ${JSON.stringify(cfg)}, stateDir: ${JSON.stringify(path.join(d, 'state'))}, apiPort: 0 });
       await daemon.start();
       await daemon.stop({ stopServices: true });
       const { createRequire } = await import('node:module');
       const cache = Object.keys(createRequire(import.meta.url).cache);
       process.stdout.write(JSON.stringify({ etcd3: cache.some((k) => k.includes('/node_modules/etcd3/')), grpc: cache.some((k) => k.includes('/@grpc/')) }) + '\\n');`,
    ]);
    started.push(c);
    await c.waitForExit(30_000);
    expect(JSON.parse(c.stdout().trim())).toEqual({ etcd3: false, grpc: false });
    // The check itself works: requiring etcd3 does fill the cache.
    const req = createRequire(import.meta.url);
    req('etcd3');
    expect(Object.keys(req.cache).some((k) => k.includes('/node_modules/etcd3/'))).toBe(true);
  });
});
