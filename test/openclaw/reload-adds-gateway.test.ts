// An OpenClaw gateway added by `clawback reload` (or SIGHUP) to a daemon that started without one: the openclaw
// plugin looked at the services once, at start, so the gateway's readiness was never reported and a crash brought no
// stability bundle into the incident, though a daemon restart with the same file did both. Real daemon, real file,
// real reload, the stand-in gateway and CLI, a real crash.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES, NODE, markServices, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { httpGet, waitFor } from '../helpers/processes.js';

const FAKE_GATEWAY = fileURLToPath(new URL('./fixtures/fake-gateway.mjs', import.meta.url));
const FAKE_CLI = fileURLToPath(new URL('./fixtures/fake-openclaw.mjs', import.meta.url));

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const ofType = (events: ClawbackEvent[], type: string) => events.filter((e) => e.type === type);

describe('a gateway added by a reload', () => {
  it('has its readiness reported and its stability bundle read after a crash', async () => {
    const dir = tempDir('clawback-oc-reload-');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const stateFile = path.join(dir, 'fake-openclaw.json');
    const bundle = { version: 1, generatedAt: new Date().toISOString(), reason: 'gateway.restart_startup_failed', process: { pid: 4242, uptimeMs: 5300 }, error: { name: 'Error', message: 'plugin telegram crashed' } };
    writeFileSync(stateFile, JSON.stringify({ bundle, channelAccounts: { telegram: [{ accountId: 'default', enabled: true, running: true, connected: true, lifecycle: 'ready' }] } }));
    const other = { name: 'other', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] };
    td = await startTestDaemon({ services: [other] }, { dir });
    const fast = { interval: '300ms', timeout: '2s', startupGrace: '15s' };
    const gw = {
      name: 'gw',
      command: [NODE, FAKE_GATEWAY, String(port)],
      port,
      env: { FAKE_OPENCLAW_STATE: stateFile, FAKE_OPENCLAW_LOG: path.join(dir, 'calls.log'), FAKE_GATEWAY_URL: url },
      restart: { backoff: { initial: '100ms', max: '1s' } },
      stop: { grace: '2s' },
      openclaw: { cli: [NODE, FAKE_CLI], channelSettle: '1s', evidenceTimeout: '20s', otherSupervisorCheck: false },
      probes: [
        { kind: 'http', name: 'liveness', url: `${url}/healthz`, failureThreshold: 6, ...fast },
        { kind: 'openclaw-readiness', name: 'readiness', url: `${url}/readyz`, failureThreshold: 20, channelBound: '30s', ...fast },
      ],
    };
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [other, gw] })));
    const r = await td.daemon.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(r?.body.added).toEqual(['gw']);
    await waitFor(() => td!.daemon.runtimes.get('gw')?.status().health === 'healthy', { timeoutMs: 20_000 });

    // A failing channel is reported (the readiness reporter of the new gateway).
    await httpGet(`${url}/__fail?part=telegram`);
    await waitFor(() => ofType(td!.events, 'readiness.failing').length > 0, { timeoutMs: 10_000, message: () => 'a readiness.failing event for the gateway added by the reload' });
    expect(ofType(td.events, 'readiness.failing')[0]!.service).toBe('gw');

    // A crash brings its stability bundle into the incident.
    await httpGet(`${url}/__crash?code=3`).catch(() => undefined);
    await waitFor(() => ofType(td!.events, 'openclaw.evidence').length > 0, { timeoutMs: 30_000, message: () => 'an openclaw.evidence event after the crash' });
    const ev = ofType(td.events, 'openclaw.evidence')[0]!;
    const exit = ofType(td.events, 'service.exited').find((e) => e.service === 'gw' && e.details?.code === 3)!;
    expect(ev.incidentId).toBe(exit.incidentId);
    expect(ev.message).toMatch(/gw: the gateway's stability bundle: .*plugin telegram crashed/);
  }, 90_000);
});
