// `clawback reload NAME` under load: a client hits every instance's port every 20 ms while the instances restart one at a time.
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { loadConfigIsolated } from '../../src/config/load-isolated.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { freePortRun, pidsOf, waitHealthy, webService } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

interface Hit {
  instance: number;
  at: number;
  ok: boolean;
  error?: string;
}

/** A client on every instance's port every 20 ms, and a sampler of how many are healthy, while `during` runs. */
async function underLoad<T>(daemon: TestDaemon['daemon'], base: number, names: string[], during: () => Promise<T>): Promise<{ result: T; hits: Hit[]; minHealthy: number }> {
  const hits: Hit[] = [];
  let minHealthy = names.length;
  let running = true;
  const client = (async () => {
    for (let round = 0; running && round < 5_000; round++) {
      const at = Date.now();
      await Promise.all(
        names.map((_, i) =>
          // A generous timeout: on a machine loaded 10+ on 2 cores a healthy instance can take seconds to answer.
          httpGet(`http://127.0.0.1:${base + i}/`, 5000).then(
            (r) => hits.push({ instance: i, at, ok: r.status === 200, ...(r.status === 200 ? {} : { error: `HTTP ${r.status}` }) }),
            (err: Error) => hits.push({ instance: i, at, ok: false, error: err.message }),
          ),
        ),
      );
      minHealthy = Math.min(minHealthy, names.filter((n) => daemon.runtimes.get(n)?.status().health === 'healthy').length);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  const result = await during();
  await new Promise((r) => setTimeout(r, 300));
  running = false;
  await client;
  return { result, hits, minHealthy };
}

describe('rolling restart (clawback reload NAME)', () => {
  it('restarts one instance at a time: no failed request to an instance not being restarted, never zero healthy', async () => {
    const N = 3;
    const base = await freePortRun(N);
    td = await startTestDaemon({ services: [webService(base, N)] });
    const d = td.daemon;
    const names = Array.from({ length: N }, (_, i) => `web:${i}`);
    await waitHealthy(d, names);
    const before = pidsOf(d);

    const { result: r, hits, minHealthy } = await underLoad(d, base, names, () => d.command('/api/services/web/reload', new URLSearchParams({ by: 'test', timeout: '20s' })));
    expect(r?.status, String(r?.body.message)).toBe(200);
    expect(r?.body.restarted).toEqual(names);
    const after = pidsOf(d);
    for (const n of names) expect(after[n]).not.toBe(before[n]);

    // Each instance's restart window: from its manual restart to its healthy verdict (+ one client round of slack).
    const windows = names.map((n) => {
      const from = td!.events.find((e) => e.service === n && e.type === 'service.restarting' && e.details?.reason === 'manual')!.time;
      const to = td!.events.find((e) => e.service === n && e.type === 'service.healthy' && e.time >= from)!.time;
      return { from: from - 50, to: to + 100 };
    });
    // One at a time: each window starts after the previous instance was healthy again.
    for (let i = 1; i < N; i++) expect(windows[i]!.from + 50).toBeGreaterThanOrEqual(windows[i - 1]!.to - 100);
    const outside = hits.filter((h) => !h.ok && !(h.at >= windows[h.instance]!.from && h.at <= windows[h.instance]!.to));
    expect(outside, `failed requests outside the instance's own restart: ${JSON.stringify(outside.slice(0, 5))}`).toEqual([]);
    expect(hits.length).toBeGreaterThan(N * 20);
    expect(minHealthy).toBeGreaterThanOrEqual(N - 1);
    expect(td.events.some((e) => e.type === 'service.rollout-done' && e.service === 'web')).toBe(true);
  }, 90_000);

  it('an instance that does not come back healthy stops the rollout and says so; the rest are untouched', async () => {
    const base = await freePortRun(3);
    const flag = path.join(os.tmpdir(), `no-listen-${process.pid}-${base}`);
    td = await startTestDaemon({ services: [webService(base, 3, { env: { NO_LISTEN_FLAG: flag } })] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1', 'web:2']);
    const before = pidsOf(d);
    writeFileSync(flag, '1');
    try {
      const r = await d.command('/api/services/web/reload', new URLSearchParams({ by: 'test', timeout: '2s' }));
      expect(r?.status).toBe(409);
      expect(r?.body).toMatchObject({ failed: 'web:0', restarted: [], untouched: ['web:1', 'web:2'] });
      expect(String(r?.body.message)).toContain('web:0 is not healthy 2 s after its restart');
      const after = pidsOf(d);
      expect([after['web:1'], after['web:2']]).toEqual([before['web:1'], before['web:2']]);
      const ev = td.events.find((e) => e.type === 'service.rollout-failed');
      expect(ev).toMatchObject({ severity: 'warning', service: 'web' });
      const unknown = await d.command('/api/services/nope/reload', new URLSearchParams());
      expect(unknown?.status).toBe(404);
    } finally {
      rmSync(flag, { force: true });
    }
  }, 60_000);

  it('an instance already down is restarted first: the last healthy one is never taken down while another is down', async () => {
    const base = await freePortRun(2);
    const flag = path.join(os.tmpdir(), `no-listen-${process.pid}-${base}`);
    // Only web:1 finds its flag: it runs but never listens (never healthy); web:0 alone serves.
    td = await startTestDaemon({ services: [webService(base, 2, { env: { NO_LISTEN_FLAG: `${flag}-{instance}` } })] });
    writeFileSync(`${flag}-1`, '1');
    try {
      const d = td.daemon;
      await waitHealthy(d, ['web:0']);
      await waitFor(() => d.runtimes.get('web:1')!.status().pid !== null, { timeoutMs: 10_000 });
      const served = pidsOf(d)['web:0'];
      const { result: r, minHealthy } = await underLoad(d, base, ['web:0'], () => d.command('/api/services/web/reload', new URLSearchParams({ by: 'test', timeout: '2s' })));
      expect(r?.status).toBe(409);
      expect(r?.body).toMatchObject({ failed: 'web:1', restarted: [], untouched: ['web:0'] });
      expect(pidsOf(d)['web:0']).toBe(served);
      expect(minHealthy).toBe(1);
      expect(td.events.some((e) => e.service === 'web:0' && e.type === 'service.restarting')).toBe(false);
    } finally {
      rmSync(`${flag}-1`, { force: true });
    }
  }, 60_000);

  it('a reload that changes a scaled service replaces its instances one at a time, each healthy before the next', async () => {
    const N = 3;
    const base = await freePortRun(N);
    td = await startTestDaemon({ services: [webService(base, N, { env: { RELEASE: '1' } })] });
    const d = td.daemon;
    const names = Array.from({ length: N }, (_, i) => `web:${i}`);
    await waitHealthy(d, names);
    const before = pidsOf(d);
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [webService(base, N, { env: { RELEASE: '2' } })] })));
    const t0 = Date.now();
    const { result, hits, minHealthy } = await underLoad(d, base, names, () => d.command('/api/reload', new URLSearchParams({ by: 'test' })));
    expect(result?.status, String(result?.body.message)).toBe(200);
    expect(result?.body.changed).toEqual(names);
    const after = pidsOf(d);
    for (const n of names) expect(after[n]).not.toBe(before[n]);
    // The old instance stops without an event of its own before it exits: its window opens when the previous one
    // was healthy again (t0 for the first) and closes when it is healthy itself.
    const healthyAt = names.map((n) => td!.events.find((e) => e.service === n && e.type === 'service.healthy' && e.time >= t0)!.time);
    const exitedAt = names.map((n) => td!.events.find((e) => e.service === n && e.type === 'service.exited' && e.time >= t0)!.time);
    const windows = names.map((_, i) => ({ from: i === 0 ? t0 : healthyAt[i - 1]!, to: healthyAt[i]! + 100 }));
    // One at a time: each old instance exits only after the previous new one is healthy.
    for (let i = 1; i < N; i++) expect(exitedAt[i]!).toBeGreaterThanOrEqual(healthyAt[i - 1]!);
    const outside = hits.filter((h) => !h.ok && !(h.at >= windows[h.instance]!.from && h.at <= windows[h.instance]!.to));
    const timeline = td.events.filter((e) => e.time >= t0 && e.service).map((e) => `${e.time - t0} ${e.service} ${e.type}`);
    expect(outside, `${JSON.stringify(outside.slice(0, 5).map((h) => ({ ...h, at: h.at - t0 })))}\n${timeline.join('\n')}`).toEqual([]);
    expect(minHealthy).toBeGreaterThanOrEqual(N - 1);
  }, 90_000);

  it('a reload whose new settings never get healthy stops at the first instance: the others keep serving on the previous settings', async () => {
    const N = 3;
    const base = await freePortRun(N);
    const flag = path.join(os.tmpdir(), `bad-release-${process.pid}-${base}`);
    td = await startTestDaemon({ services: [webService(base, N, { env: { RELEASE: '1' } })] });
    const d = td.daemon;
    const names = Array.from({ length: N }, (_, i) => `web:${i}`);
    await waitHealthy(d, names);
    const before = pidsOf(d);
    // Release 2 is broken: it runs but never listens.
    writeFileSync(flag, '1');
    try {
      writeFileSync(td.configFile, YAML.stringify(markServices({ services: [webService(base, N, { env: { RELEASE: '2', NO_LISTEN_FLAG: flag } })] })));
      const next = (await loadConfigIsolated({ file: td.configFile, stateDir: td.stateDir })).config;
      const diff = await d.exclusive(() => d.applyServices(next, { instanceTimeoutMs: 3000 }));
      expect(diff.notHealthy).toEqual(['web:0']);
      expect(diff.kept).toEqual(['web:1', 'web:2']);
      expect([pidsOf(d)['web:1'], pidsOf(d)['web:2']]).toEqual([before['web:1'], before['web:2']]);
      await waitHealthy(d, ['web:1', 'web:2']);
      expect(d.ctx.config.services.find((s) => s.name === 'web:1')?.env.RELEASE).toBe('1');
      // The next change of the set (a reload, a scale, the autoscaler) takes no more of them while web:0 is down.
      const again = await d.exclusive(() => d.applyServices(next, { instanceTimeoutMs: 1000 }));
      expect(again.kept).toEqual(['web:1', 'web:2']);
      expect([pidsOf(d)['web:1'], pidsOf(d)['web:2']]).toEqual([before['web:1'], before['web:2']]);
      // Fixed: web:0 comes up (its watchdog restarts it) and the next reload finishes the rollout.
      rmSync(flag, { force: true });
      await waitHealthy(d, ['web:0'], 40_000);
      const done = await d.exclusive(() => d.applyServices(next, { instanceTimeoutMs: 20_000 }));
      expect(done.kept).toBeUndefined();
      expect(done.changed.map((s) => s.name)).toEqual(['web:1', 'web:2']);
      await waitHealthy(d, names);
      expect(d.ctx.config.services.every((s) => s.env.RELEASE === '2')).toBe(true);
    } finally {
      rmSync(flag, { force: true });
    }
  }, 120_000);
});
