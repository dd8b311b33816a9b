// An instance's port (port + i) on another service's port: refused by the config check and by `clawback scale`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { INSTANCE_SERVER, freePortRun, pidsOf, waitHealthy, webService, whoIsOn } from './instance-helpers.js';

function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw, 'test.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

const svc = (name: string, port: number, extra: Record<string, unknown> = {}) => ({ name, command: ['node', 'server.mjs', '{port}'], port, ...extra });

describe('instance ports that reach another service', () => {
  it.each([
    ['instances reaching a plain service', [svc('web', 8100, { instances: 3 }), { name: 'api', command: ['api'], port: 8102 }], 'services[1].port: expected ports that do not overlap: api (8102) and web (8100..8102) would both use port 8102 (api and web:2)'],
    ['a plain service inside a later group', [{ name: 'api', command: ['api'], port: 8101 }, svc('web', 8100, { instances: 2 })], 'services[1].port: expected ports that do not overlap: web (8100..8101) and api (8101) would both use port 8101 (web:1 and api)'],
    ['autoscale.max reaching another group', [svc('web', 8100, { autoscale: { min: 1, max: 4, metric: 'cpu', target: 50 } }), svc('api', 8103, { instances: 2 })], 'would both use port 8103 (api:0 and web:3)'],
  ])('refuses %s, naming the field, both services and the port', (_what, services, expected) => {
    expect(problemsOf({ services }).join('\n')).toContain(expected);
  });

  it("refuses instances reaching Clawback's own API port (by default 18790, right after OpenClaw's 18789)", () => {
    expect(problemsOf({ services: [svc('gateway', 18789, { instances: 2 })] }).join('\n')).toContain(
      "services[0].port: expected ports that do not overlap: Clawback's API (api.port) (18790) and gateway (18789..18790) would both use port 18790",
    );
    expect(problemsOf({ api: { port: 8102 }, services: [svc('web', 8100, { autoscale: { min: 1, max: 3, metric: 'cpu', target: 50 } })] }).join('\n')).toContain('would both use port 8102');
    // api.port 0 (any free port) reaches nobody; one instance on 18789 is fine.
    expect(problemsOf({ api: { port: 0 }, services: [svc('gateway', 18789, { instances: 2 })] })).toEqual([]);
    expect(problemsOf({ services: [svc('gateway', 18789, { instances: 1 })] })).toEqual([]);
  });

  it('accepts adjacent ranges, and two plain services on one port as before', () => {
    expect(problemsOf({ services: [svc('web', 8100, { instances: 3 }), svc('api', 8103, { instances: 2 })] })).toEqual([]);
    expect(problemsOf({ services: [{ name: 'a', command: ['a'], port: 9000 }, { name: 'b', command: ['b'], port: 9000 }] })).toEqual([]);
  });
});

describe('clawback scale onto another service port', () => {
  let td: TestDaemon | undefined;
  afterEach(async () => {
    await td?.stop();
    td = undefined;
  });

  it('is refused with 409 and changes nothing: the other service keeps its port, no override is written', async () => {
    const base = await freePortRun(3);
    // api listens on base + 2: web:2 would race it for that port (and take it at the next boot).
    const api = { name: 'api', command: [process.execPath, INSTANCE_SERVER, String(base + 2)], port: base + 2, env: { CLAWBACK_INSTANCE: 'api' } };
    td = await startTestDaemon({ services: [webService(base, 2), api] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1']);
    // api has no probe: it counts as up once spawned, so wait until it answers on its port.
    await waitFor(async () => (await whoIsOn(base + 2))?.instance === 'api' || undefined, { timeoutMs: 20_000, message: () => `api answering on ${base + 2}` });
    const before = pidsOf(d);

    const r = await d.command('/api/services/web/scale', new URLSearchParams({ instances: '3', by: 'test' }));
    expect(r?.status).toBe(409);
    expect(r?.body.message).toContain(`web: cannot scale to 3: api (${base + 2}) and web (${base}..${base + 2}) would both use port ${base + 2}`);
    expect([...d.runtimes.keys()].sort()).toEqual(['api', 'web:0', 'web:1']);
    expect(pidsOf(d)).toEqual(before);
    expect(existsSync(path.join(td.stateDir, 'scale.json'))).toBe(false);
    expect(await whoIsOn(base + 2)).toMatchObject({ instance: 'api' });

    // Down is fine.
    const down = await d.command('/api/services/web/scale', new URLSearchParams({ instances: '1', by: 'test' }));
    expect(down?.status).toBe(200);
  }, 60_000);

  it("is refused when an instance would land on the port this daemon's API listens on", async () => {
    const base = await freePortRun(2);
    // The API on base + 1, web:0 on base: web:1 would be on the API's port.
    td = await startTestDaemon({ services: [webService(base, 1)] }, { apiPort: base + 1 });
    const apiPort = td.daemon.api!.port;
    expect(apiPort).toBe(base + 1);
    const d = td.daemon;
    await waitHealthy(d, ['web:0']);
    const r = await d.command('/api/services/web/scale', new URLSearchParams({ instances: '2', by: 'test' }));
    expect(r?.status).toBe(409);
    expect(r?.body.message).toContain(`web: cannot scale to 2: Clawback's API (api.port) (${apiPort}) and web (${base}..${apiPort}) would both use port ${apiPort}`);
    expect([...d.runtimes.keys()]).toEqual(['web:0']);
    expect(existsSync(path.join(td.stateDir, 'scale.json'))).toBe(false);
  }, 60_000);
});
