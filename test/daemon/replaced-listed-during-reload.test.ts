// A `clawback reload` that replaces web (a new command) waits, as at boot, until what web depends on is healthy (up to
// 60 s): for that whole wait web was missing from `clawback status` and `clawback stop web` answered exit 4 "no service
// named "web" (known: db)". Real daemon, real services, a real port the dependency's probe reads: web stays listed,
// and a stop sent during the wait is carried out by its replacement (it stays stopped). Then the same stop sent while
// the wait lasts longer than web's stop grace + 30 s: it was answered after 31 s "not carried out ... its new runtime is
// not ready yet; try again" and lost (the reload then started web); it waits for the reload and is carried out.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { NODE, markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import type { Daemon } from '../../src/daemon/daemon.js';
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

/** db healthy on a real port, web running; db's port taken away and a new web reloaded: returns once the old web stopped. */
async function reloadWhileDbDown(): Promise<{ d: Daemon; port: number; reload: ReturnType<Daemon['command']> }> {
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
  // The old web is stopped; the reload now waits for db.
  await waitFor(() => d.runtimes.get('web')?.status().state === 'stopped' || !d.runtimes.has('web'), { timeoutMs: 15_000, message: 'old web stopped' });
  return { d, port, reload };
}

/** db back: the reload ends, and the stop sent meanwhile is carried out by web's replacement (it stays stopped). */
async function dbBackStopCarriedOut(d: Daemon, port: number, reload: ReturnType<Daemon['command']>, stop: ReturnType<Daemon['action']>): Promise<void> {
  server = await listen(port);
  expect((await reload)?.status).toBe(200);
  const r = await stop;
  expect(r).toMatchObject({ ok: true, status: 200 });
  expect(r.message).toMatch(/^stop web: stopped/);
  const next = d.runtimes.get('web')!;
  await waitFor(() => next.status().state !== 'starting', { timeoutMs: 10_000, message: 'web settled' });
  expect(next.status()).toMatchObject({ state: 'stopped', pid: null });
  expect(next.persisted().desired).toBe('down');
}

describe('a service a reload replaces while its dependency is unhealthy', () => {
  it('stays listed and takes requests while the reload waits', async () => {
    const { d, port, reload } = await reloadWhileDbDown();
    const names = (d.status().services as Array<{ name: string }>).map((s) => s.name);
    expect(names).toContain('web');
    let answered = false;
    const stop = d.action('web', 'stop').finally(() => (answered = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    await dbBackStopCarriedOut(d, port, reload, stop);
  }, 60_000);

  it('a request sent while the wait lasts longer than stop grace + 30 s is carried out by the replacement, not dropped', async () => {
    const { d, port, reload } = await reloadWhileDbDown();
    const sent = Date.now();
    let answer: Awaited<ReturnType<typeof d.action>> | undefined;
    const stop = d.action('web', 'stop').then((r) => (answer = r));
    // Past the old bound (stop grace 1 s + 30 s) the request must still be waiting for the reload, not answered.
    await waitFor(() => Date.now() - sent > 33_000 || answer !== undefined, { timeoutMs: 40_000, message: '33 s after the stop' });
    expect(answer?.message).toBeUndefined();
    await dbBackStopCarriedOut(d, port, reload, stop);
  }, 90_000);
});
