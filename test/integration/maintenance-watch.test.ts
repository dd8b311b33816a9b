// Issue 25, maintenance against a real daemon: probe verdicts are reported (and alerted) but not acted on, probes keep
// judging, status shows the time left, it survives a daemon restart, and healing (incl. of a still-unhealthy instance) comes back.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { runCli } from '../helpers/cli.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { Receiver } from '../notify/receiver.js';

let td: TestDaemon | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await receiver?.down();
  receiver = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function fault(port: number, name: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/fault/${name}`, { method: 'POST' });
  expect(res.status).toBeLessThan(300);
}

function gatewayConfig(dir: string, port: number, extra: Record<string, unknown> = {}): { services: Array<Record<string, unknown>> } & Record<string, unknown> {
  const cfg = path.join(dir, 'gateway.json');
  writeFileSync(cfg, JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }));
  return {
    ...extra,
    services: [
      {
        name: 'gw',
        command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
        probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '1s', failureThreshold: 2, startupGrace: '3s' }],
      },
    ],
  };
}

describe('maintenance: probes', () => {
  it('an unhealthy verdict is reported and alerted "no action", not restarted; the probe keeps judging; at the end a still-unhealthy instance is healed', async () => {
    receiver = await Receiver.start();
    const dir = tempDir();
    const port = await freePort();
    td = await startTestDaemon(gatewayConfig(dir, port, { notify: { channels: [{ type: 'webhook', url: `${receiver.base}/webhook/m` }] } }), { dir });
    const t = td;
    const rt = t.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 20_000 });
    const pid = rt.status().pid!;
    const on = await runCli(['maintenance', 'gw', 'on', '--for', '1h', '--reason', 'moving the data dir', '--state-dir', t.stateDir]);
    expect(on.code).toBe(0);

    // Unhealthy during maintenance: reported, alerted, no restart, no incident.
    await fault(port, 'unhealthy');
    const bad = await waitFor(() => t.events.find((e) => e.type === 'service.unhealthy'), { timeoutMs: 15_000 });
    expect(bad.message).toContain('maintenance: no action');
    await receiver.waitFor(() => receiver!.of('webhook').some((m) => m.text.includes('maintenance: no action')), 15_000, `the unhealthy alert (got: ${JSON.stringify(receiver!.of('webhook').map((m) => m.text))})`);
    await sleep(2500);
    expect(rt.status().pid).toBe(pid);
    expect(t.events.some((e) => e.type === 'service.restarting' || e.type === 'incident.opened')).toBe(false);
    // The start of maintenance went out on its own too (a channel in incident mode would otherwise fold it away).
    expect(receiver.of('webhook').some((m) => (m.json as { type?: string }).type === 'maintenance.started')).toBe(true);

    // Still watched: the person fixes it, the probe sees it healthy again (the verdict did not latch).
    await fault(port, 'reset');
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 15_000 });
    expect(rt.status().pid).toBe(pid);

    // `status` shows it with the time left.
    const st = await runCli(['status', '--state-dir', t.stateDir]);
    expect(st.stdout).toMatch(/gw: maintenance by cli[^\n]*left\)/);
    expect(st.stdout).toContain('moving the data dir');

    // Unhealthy again, then maintenance ends while it still is: healing comes back and restarts it.
    await fault(port, 'unhealthy');
    await waitFor(() => t.events.filter((e) => e.type === 'service.unhealthy').length >= 2, { timeoutMs: 15_000 });
    await sleep(1000);
    expect(rt.status().pid).toBe(pid);
    const off = await runCli(['maintenance', 'gw', 'off', '--state-dir', t.stateDir]);
    expect(off.code).toBe(0);
    await waitFor(() => rt.status().pid !== null && rt.status().pid !== pid && rt.status().health === 'healthy', { timeoutMs: 20_000 });
    const ended = t.events.findIndex((e) => e.type === 'maintenance.ended');
    expect(t.events.slice(ended).some((e) => e.type === 'service.restarting')).toBe(true);
  });
});

describe('maintenance: daemon restart', () => {
  it('survives a daemon restart (not started at boot, status still shows it); a deadline that passed while the daemon was down ends it at boot', async () => {
    const dir = tempDir();
    const port = await freePort();
    const config = gatewayConfig(dir, port);
    td = await startTestDaemon(config, { dir });
    let rt = td.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 20_000 });
    expect((await runCli(['maintenance', 'gw', 'on', '--for', '2h', '--state-dir', td.stateDir])).code).toBe(0);
    await td.stop();

    // A new daemon on the same state: still in maintenance, the service is not started.
    td = await startTestDaemon(config, { dir });
    rt = td.daemon.runtimes.get('gw')!;
    await sleep(2000);
    expect(rt.status().pid).toBeNull();
    expect(rt.status().maintenance?.timeLeftMs).toBeGreaterThan(60 * 60_000);
    const st = await runCli(['status', '--state-dir', td.stateDir]);
    expect(st.stdout).toMatch(/gw: maintenance by cli[^\n]*left\)/);

    // Short maintenance, daemon down past its deadline: the next daemon ends it and starts the service.
    expect((await runCli(['maintenance', 'gw', 'on', '--for', '2s', '--state-dir', td.stateDir])).code).toBe(0);
    await td.stop();
    await sleep(2500);
    td = await startTestDaemon(config, { dir });
    const t = td;
    rt = t.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 20_000 });
    expect(rt.status().maintenance).toBeNull();
    expect(t.events.find((e) => e.type === 'maintenance.ended')?.details).toMatchObject({ by: 'the deadline' });
  });

  it('the CLI refuses a duration without a unit and an unknown service, and the API names bad input', async () => {
    const dir = tempDir();
    td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], autostart: false }] }, { dir });
    const bare = await runCli(['maintenance', 'steady', 'on', '--for', '30', '--state-dir', td.stateDir]);
    expect(bare.code).toBe(1); // a usage error; 2 is for an invalid config file
    expect(bare.stderr).toContain('--for: expected a duration with its unit');
    const unknown = await runCli(['maintenance', 'nope', 'on', '--state-dir', td.stateDir]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('no service named "nope"');
    // The API: token-protected, and a bad duration is named.
    const api = `http://${td.daemon.api!.host}:${td.daemon.api!.port}/api/services/steady/maintenance`;
    const anon = await fetch(`${api}?on=1`, { method: 'POST' });
    expect(anon.status).toBe(401);
    const auth = { authorization: `Bearer ${td.daemon.token}` };
    const badFor = await fetch(`${api}?on=1&for=soon`, { method: 'POST', headers: auth });
    expect(badFor.status).toBe(400);
    expect(((await badFor.json()) as { message: string }).message).toContain('for: expected a duration such as 30m, got "soon"');
    expect(td.daemon.runtimes.get('steady')!.status().maintenance).toBeNull();
    const ok = await fetch(`${api}?on=1&for=10m&reason=disk&by=ops`, { method: 'POST', headers: auth });
    expect(ok.status).toBe(200);
    expect(td.daemon.runtimes.get('steady')!.status().maintenance).toMatchObject({ by: 'ops', reason: 'disk' });
  });
});

describe('maintenance: updates', () => {
  it('`clawback update` is refused while the service is in maintenance (it would stop, start and maybe roll back), with a hint', async () => {
    const dir = tempDir();
    td = await startTestDaemon({ services: [{ name: 'gw', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], update: { package: 'fake-gw', dir: path.join(dir, 'versions') } }] }, { dir });
    const t = td;
    const rt = t.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().pid, { timeoutMs: 15_000 });
    const pid = rt.status().pid;
    expect((await runCli(['maintenance', 'gw', 'on', '--state-dir', t.stateDir])).code).toBe(0);
    const up = await runCli(['update', 'gw', '9.9.9', '--state-dir', t.stateDir]);
    expect(up.code).not.toBe(0);
    expect(up.stderr + up.stdout).toContain('gw is in maintenance');
    expect(up.stderr + up.stdout).toContain('maintenance gw off');
    expect(t.events.some((e) => e.type.startsWith('update.'))).toBe(false);
    expect(rt.status().pid).toBe(pid);
  });
});

describe('maintenance: config reload', () => {
  it('a service changed by `clawback reload` keeps its maintenance (same deadline): the reload restarts it, a crash after is still not restarted', async () => {
    td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const t = td;
    await waitFor(() => t.daemon.runtimes.get('steady')!.status().pid, { timeoutMs: 15_000 });
    expect((await runCli(['maintenance', 'steady', 'on', '--for', '1h', '--reason', 'new env', '--state-dir', t.stateDir])).code).toBe(0);
    const before = t.daemon.runtimes.get('steady')!.status();
    writeFileSync(t.configFile, readFileSync(t.configFile, 'utf8').replace('CLAWBACK_TEST_CHILD: "1"', 'CLAWBACK_TEST_CHILD: "1"\n      EXTRA: "2"'));
    const r = await runCli(['reload', '--config', t.configFile, '--state-dir', t.stateDir]);
    expect(r.stdout).toContain('changed steady');
    const rt = t.daemon.runtimes.get('steady')!;
    await waitFor(() => rt.status().pid !== null && rt.status().pid !== before.pid, { timeoutMs: 15_000 });
    expect(rt.status().maintenance).toMatchObject({ until: before.maintenance!.until, reason: 'new env', by: before.maintenance!.by });
    process.kill(rt.status().pid!, 'SIGKILL');
    await waitFor(() => rt.status().pid === null, { timeoutMs: 10_000 });
    await sleep(1500);
    expect(rt.status().pid).toBeNull();
    expect(t.events.filter((e) => e.type === 'service.exited').at(-1)!.message).toContain('maintenance: not restarted');
  });
});
