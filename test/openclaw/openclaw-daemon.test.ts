// A real daemon over a stand-in gateway and CLI: a failing channel is reported, restarted alone, then the gateway (drained); a crash brings the gateway's stability bundle into the incident.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { httpGet, waitFor } from '../helpers/processes.js';

const FAKE_GATEWAY = fileURLToPath(new URL('./fixtures/fake-gateway.mjs', import.meta.url));
const FAKE_CLI = fileURLToPath(new URL('./fixtures/fake-openclaw.mjs', import.meta.url));
const SECRET = 'tok-9f8e7d6c5b4a';

const ACCOUNTS = {
  telegram: [
    { accountId: 'default', enabled: true, running: true, connected: true, lifecycle: 'ready' },
    { accountId: 'ops', enabled: true, running: false, connected: false, lifecycle: 'blocked', lastError: 'Unauthorized' },
  ],
};

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

async function start(state: Record<string, unknown>, extra: { env?: Record<string, string>; otherSupervisorCheck?: boolean; service?: Record<string, unknown> } = {}): Promise<{ td: TestDaemon; url: string; stateFile: string }> {
  const dir = tempDir('clawback-oc-daemon-');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stateFile = path.join(dir, 'fake-openclaw.json');
  writeFileSync(stateFile, JSON.stringify(state));
  const fast = { interval: '300ms', timeout: '1s', startupGrace: '15s' };
  td = await startTestDaemon(
    {
      services: [
        {
          name: 'gw',
          command: [process.execPath, FAKE_GATEWAY, String(port)],
          port,
          env: { FAKE_OPENCLAW_STATE: stateFile, FAKE_OPENCLAW_LOG: path.join(dir, 'calls.log'), FAKE_GATEWAY_URL: url, OPENCLAW_GATEWAY_TOKEN: SECRET, ...extra.env },
          restart: { backoff: { initial: '100ms', max: '1s' } },
          stop: { grace: '2s', drainGrace: '4s' },
          openclaw: { cli: [process.execPath, FAKE_CLI], channelSettle: '1s', evidenceTimeout: '20s', otherSupervisorCheck: extra.otherSupervisorCheck ?? false },
          probes: [
            // Liveness is not what these tests are about: tolerant, so a loaded CI machine's slow answers do not restart
            // the gateway in the middle of a channel's story (3 misses of a 1 s timeout did once: a new pid).
            { kind: 'http', name: 'liveness', url: `${url}/healthz`, failureThreshold: 6, ...fast, timeout: '2s' },
            { kind: 'openclaw-readiness', name: 'readiness', url: `${url}/readyz`, failureThreshold: 2, channelBound: '1s', ...fast },
          ],
          ...extra.service,
        },
      ],
    },
    { dir },
  );
  await waitFor(() => td!.events.some((e) => e.type === 'service.healthy'), { timeoutMs: 20_000 });
  return { td, url, stateFile };
}

const ofType = (events: ClawbackEvent[], type: string) => events.filter((e) => e.type === type);

describe('OpenClaw readiness and evidence in the daemon', () => {
  it('reports the failing channel, waits its bound, restarts that channel alone (naming the account), and resolves with the same gateway process', async () => {
    const { td, url } = await start({ channelAccounts: ACCOUNTS });
    const pid = td.daemon.runtimes.get('gw')!.status().pid;
    await httpGet(`${url}/__fail?part=telegram`);
    await waitFor(() => ofType(td.events, 'incident.resolved').length > 0, { timeoutMs: 30_000 });
    const failing = ofType(td.events, 'readiness.failing')[0]!;
    expect(failing.message).toMatch(/gw: channel telegram fails readiness; the gateway's own recovery has .* before Clawback steps in/);
    const restarted = ofType(td.events, 'service.scope-restarted')[0]!;
    expect(restarted.message).toMatch(/channel telegram \(account ops\) restarted through the gateway: ops: stopped and started \(started yes, handed-off\)/);
    expect(restarted.details).toMatchObject({ channel: 'telegram', accounts: ['ops'], ok: true });
    const inc = ofType(td.events, 'incident.opened')[0]!.incidentId;
    expect(restarted.incidentId).toBe(inc);
    const story = (): string => td.events.map((e) => `${e.type}: ${e.message}`).join('\n');
    expect(td.daemon.runtimes.get('gw')!.status().pid, story()).toBe(pid);
    expect(ofType(td.events, 'service.restarting')).toEqual([]);
    await waitFor(() => ofType(td.events, 'readiness.recovered').length > 0, { timeoutMs: 10_000 });
    // The journal has it all, in order, under one incident.
    const timeline = td.journal().filter((e) => e.incidentId === inc).map((e) => e.type);
    expect(timeline).toEqual(expect.arrayContaining(['incident.opened', 'incident.action', 'service.scope-restarted', 'incident.resolved']));
  });

  it('when the channel restart does not bring it back, restarts the gateway (drained) and the new process is ready', async () => {
    const { td, url } = await start({ channelAccounts: ACCOUNTS, startFixes: false });
    const pid = td.daemon.runtimes.get('gw')!.status().pid;
    await httpGet(`${url}/__fail?part=telegram`);
    await waitFor(() => ofType(td.events, 'incident.resolved').length > 0, { timeoutMs: 40_000 });
    const types = td.events.map((e) => e.type);
    expect(types.indexOf('service.scope-restarted')).toBeGreaterThan(-1);
    expect(types.indexOf('service.restarting')).toBeGreaterThan(types.indexOf('service.scope-restarted'));
    expect(ofType(td.events, 'service.restarting')[0]!.details).toMatchObject({ reason: 'probe' });
    expect(ofType(td.events, 'service.scope-restarted')).toHaveLength(1);
    expect(td.daemon.runtimes.get('gw')!.status().pid).not.toBe(pid);
  });

  it('a channel that fails again after each scoped restart is restarted alone only up to the flapping limit, then the breaker holds the gateway and a person is paged', { timeout: 150_000 }, async () => {
    const { td, url } = await start(
      { channelAccounts: ACCOUNTS },
      { service: { restart: { backoff: { initial: '100ms', max: '1s' }, flapping: { window: '10m', maxRecurrences: 2 } }, doctor: { attempts: 0, confirmAfter: '1s' } } },
    );
    const rt = td.daemon.runtimes.get('gw')!;
    // Each scoped restart brings the channel back (the stand-in CLI readies it) and the incident resolves; then it fails again.
    for (let i = 0; i < 8 && ofType(td.events, 'incident.escalated').length === 0; i++) {
      await httpGet(`${url}/__fail?part=telegram`);
      await waitFor(() => ofType(td.events, 'incident.resolved').length > i || ofType(td.events, 'incident.escalated').length > 0, { timeoutMs: 30_000 });
    }
    const paged = await waitFor(() => ofType(td.events, 'incident.escalated')[0], { timeoutMs: 30_000 });
    expect(paged.message).toMatch(/flapping: 3 recurrences .*\(limit 2\)/);
    // the first incident and its 2 recurrences restarted the channel alone; the 3rd recurrence tripped the breaker (before: a channel restart per failure, for ever)
    expect(ofType(td.events, 'service.scope-restarted')).toHaveLength(3);
    expect(ofType(td.events, 'incident.opened')).toHaveLength(4);
    expect(ofType(td.events, 'breaker.tripped')).toHaveLength(1);
    await waitFor(() => rt.status().state === 'held' && rt.status().pid === null, { timeoutMs: 20_000 });
  });

  it('with the flapping series turned off (window 0), a channel that fails again after each scoped restart is bounded by the restart window: the breaker holds the gateway and a person is paged', { timeout: 150_000 }, async () => {
    const { td, url } = await start(
      { channelAccounts: ACCOUNTS },
      { service: { restart: { backoff: { initial: '100ms', max: '1s' }, intensity: { maxRestarts: 2, window: '10m' }, flapping: { window: 0 } }, doctor: { attempts: 0, confirmAfter: '1s' } } },
    );
    const rt = td.daemon.runtimes.get('gw')!;
    for (let i = 0; i < 6 && ofType(td.events, 'incident.escalated').length === 0; i++) {
      await httpGet(`${url}/__fail?part=telegram`);
      await waitFor(() => ofType(td.events, 'incident.resolved').length > i || ofType(td.events, 'incident.escalated').length > 0, { timeoutMs: 30_000 });
    }
    // two scoped restarts fit in the window; the third failure trips the breaker (before: six scoped restarts, six incidents, nobody paged)
    const paged = await waitFor(() => ofType(td.events, 'incident.escalated')[0], { timeoutMs: 30_000 });
    expect(paged.message).toMatch(/restart loop: 2 restarts within 10m0s, then it failed again/);
    expect(ofType(td.events, 'service.scope-restarted')).toHaveLength(2);
    expect(ofType(td.events, 'incident.opened')).toHaveLength(3);
    expect(ofType(td.events, 'breaker.tripped')).toHaveLength(1);
    await waitFor(() => rt.status().state === 'held' && rt.status().pid === null, { timeoutMs: 20_000 });
  });

  it("after a crash the incident carries the gateway's stability bundle summary, redacted", async () => {
    const bundle = {
      version: 1,
      generatedAt: new Date(Date.now() + 1000).toISOString(),
      reason: 'gateway.restart_startup_failed',
      process: { pid: 4242, platform: 'linux', arch: 'x64', node: '24.21.0', uptimeMs: 5300 },
      host: { hostname: '<redacted-hostname>' },
      error: { name: 'Error', message: `plugin telegram crashed while holding ${SECRET}` },
      snapshot: { count: 1, events: [{ type: 'diagnostic.memory.pressure' }] },
    };
    const { td, url } = await start({ bundle });
    await httpGet(`${url}/__crash?code=3`).catch(() => undefined);
    await waitFor(() => ofType(td.events, 'openclaw.evidence').length > 0, { timeoutMs: 30_000 });
    const ev = ofType(td.events, 'openclaw.evidence')[0]!;
    const exit = ofType(td.events, 'service.exited').find((e) => e.details?.code === 3)!;
    expect(ev.incidentId).toBeDefined();
    expect(ev.incidentId).toBe(exit.incidentId);
    expect(ev.message).toMatch(/gw: the gateway's stability bundle: stability bundle written .*reason gateway.restart_startup_failed; pid 4242, up 5.3 s; error Error: plugin telegram crashed/);
    expect(JSON.stringify(td.journal())).not.toContain(SECRET);
    expect(td.journal().some((e) => e.type === 'openclaw.evidence' && e.incidentId === exit.incidentId)).toBe(true);
  });

  it("says at start that the gateway's own systemd unit is enabled beside it, and leaves the unit alone", async () => {
    const home = path.join(tempDir('clawback-oc-home-'), 'home');
    const dir = path.join(home, '.config', 'systemd', 'user');
    mkdirSync(path.join(dir, 'default.target.wants'), { recursive: true });
    const unit = '[Service]\nExecStart=/usr/bin/openclaw gateway run\nRestart=always\n';
    writeFileSync(path.join(dir, 'openclaw-gateway.service'), unit);
    writeFileSync(path.join(dir, 'default.target.wants', 'openclaw-gateway.service'), unit);
    const { td } = await start({}, { env: { HOME: home }, otherSupervisorCheck: true });
    const warn = ofType(td.events, 'openclaw.other-supervisor').find((e) => e.details?.path === path.join(dir, 'openclaw-gateway.service'))!;
    expect(warn.severity).toBe('warning');
    expect(warn.message).toMatch(/systemd user unit openclaw-gateway.service is enabled .* while Clawback runs the gateway itself/);
    expect(readFileSync(path.join(dir, 'openclaw-gateway.service'), 'utf8')).toBe(unit);
  });
});
