// /metrics on a cluster member whose etcd accepts connections and never answers (hung, stopped): the scrape answers at once.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { startTestDaemon, FIXTURES, NODE, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
let silent: net.Server | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  await td?.stop();
  td = undefined;
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise((r) => (silent ? silent.close(r) : r(undefined)));
  silent = undefined;
});

describe('/metrics of a cluster member while etcd hangs', () => {
  it('answers within 2 s every time (no etcd call), with the lease age from what the member knows; promtool check metrics passes', async () => {
    // Accepts and never says a word: what a stopped (SIGSTOP) or wedged etcd looks like to its clients.
    silent = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent!.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    // leaseTtl 60s: an etcd call times out after 12 s, past Prometheus's default scrape_timeout (10 s).
    td = await startTestDaemon({
      cluster: { member: 'm1', endpoints: [`http://127.0.0.1:${port}`], leaseTtl: '60s' },
      services: [
        { name: 'gw', placement: 'singleton', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
        { name: 'other', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
      ],
    });
    const t = td;
    await waitFor(() => t.daemon.runtimes.get('other')?.status().state === 'running', { timeoutMs: 15_000 });
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${t.daemon.api!.port}/metrics`, { signal: AbortSignal.timeout(5000) }).catch((err: Error) => err);
      const text = res instanceof Error ? `(${res.message})` : await res.text();
      times.push(Math.round(performance.now() - t0));
      expect(res instanceof Error ? res.message : res.status, `scrape ${i}`).toBe(200);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
      expect(check.status, `promtool check metrics:\n${check.stdout}${check.stderr}`).toBe(0);
      expect(text).toContain('clawback_cluster_leader{service="gw",member="m1"} 0');
      expect(text).toContain('clawback_cluster_lease_age_seconds{member="m1"} -1');
      expect(text).toContain('clawback_service_up{service="other"} 1');
    }
    expect(Math.max(...times), `scrape times ${times.join(', ')} ms`).toBeLessThan(2000);
  }, 60_000);
});
