// A `clawback stop web` sent while a reload that replaces web waited for web's dependency (up to 60 s) was answered, after
// web's stop grace + 30 s (31 s here), "stop web: not carried out: ... its new runtime is not ready yet; try again", and
// the stop was lost: the reload then started web (running). Real daemon, real services, a real port db's probe reads:
// the request waits for the reload (bounded by the reload's own steps), and web's replacement carries it out.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { NODE, markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
let server: net.Server | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

function listen(port = 0): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((c) => c.destroy());
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

const close = (srv: net.Server): Promise<void> => new Promise((r) => srv.close(() => r()));

function services(port: number, tag: string): Array<Record<string, unknown>> {
  return [
    { name: 'db', command: [NODE, '-e', 'setInterval(() => {}, 3600000)'], probes: [{ kind: 'tcp', port, interval: '200ms', timeout: '500ms', failureThreshold: 1, startupGrace: '0s' }], restart: { policy: 'never' } },
    { name: 'web', command: [NODE, '-e', `setInterval(() => {}, 3600000) // ${tag}`], dependsOn: ['db'], stop: { grace: '1s' } },
  ];
}

describe('a request sent while a reload waits longer than stop grace + 30 s to replace the service', () => {
  it('is carried out by the replacement, not dropped', async () => {
    server = await listen();
    const port = (server.address() as net.AddressInfo).port;
    td = await startTestDaemon({ services: services(port, 'v1') });
    const d = td.daemon;
    await waitFor(() => d.runtimes.get('web')?.status().state === 'running' && d.runtimes.get('db')?.status().health === 'healthy', { timeoutMs: 20_000, message: 'db healthy, web running' });
    await close(server);
    server = undefined;
    await waitFor(() => d.runtimes.get('db')?.status().health !== 'healthy', { timeoutMs: 10_000, message: 'db unhealthy' });
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: services(port, 'v2') })));
    const reload = d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    await waitFor(() => d.runtimes.get('web')?.status().state === 'stopped', { timeoutMs: 15_000, message: 'old web stopped' });
    const sent = Date.now();
    let answer: Awaited<ReturnType<typeof d.action>> | undefined;
    const stop = d.action('web', 'stop').then((r) => (answer = r));
    // Past the old bound (stop grace 1 s + 30 s) the request must still be waiting for the reload, not answered.
    await waitFor(() => Date.now() - sent > 33_000 || answer !== undefined, { timeoutMs: 40_000, message: '33 s after the stop' });
    expect(answer?.message).toBeUndefined();
    server = await listen(port);
    expect((await reload)?.status).toBe(200);
    const r = await stop;
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(r.message).toMatch(/^stop web: stopped/);
    const next = d.runtimes.get('web')!;
    await waitFor(() => next.status().state !== 'starting', { timeoutMs: 10_000, message: 'web settled' });
    expect(next.status()).toMatchObject({ state: 'stopped', pid: null });
    expect(next.persisted().desired).toBe('down');
  }, 90_000);
});
