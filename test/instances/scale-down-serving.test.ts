// A scale down (clawback scale, the autoscaler, a reload with a smaller count) never stops the last serving instances
// of a group and keeps a broken one: instances go from the top, so with web:0 down, "scale web 1" stopped web:1 and web:2.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { markServices, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { isAlive } from '../helpers/processes.js';
import { freePortRun, pidsOf, waitHealthy, webService, whoIsOn } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('scale down with a lower instance not serving', () => {
  it('scale and reload are refused while only the instances they would stop serve; allowed once a kept one serves', async () => {
    const base = await freePortRun(3);
    // web:0 stays up without listening (never healthy) while its flag file exists; web:1 and web:2 serve.
    const flagOf = (dir: string): string => path.join(dir, 'nolisten-0');
    const service = (dir: string, n: number): Record<string, unknown> => webService(base, n, { env: { NO_LISTEN_FLAG: path.join(dir, 'nolisten-{instance}') } });
    const dir = tempDir();
    writeFileSync(flagOf(dir), '');
    td = await startTestDaemon({ services: [service(dir, 3)] }, { dir });
    const d = td.daemon;
    await waitHealthy(d, ['web:1', 'web:2']);
    expect(d.runtimes.get('web:0')!.status().health).not.toBe('healthy');
    const before = pidsOf(d);

    const scaled = await d.command('/api/services/web/scale', new URLSearchParams({ instances: '1', by: 'test' }));
    expect(scaled).toMatchObject({ status: 409, body: { ok: false, stopping: ['web:1', 'web:2'], notServing: ['web:0'] } });
    expect(scaled?.body.message).toContain('cannot scale to 1 now');
    expect([...d.runtimes.keys()].sort()).toEqual(['web:0', 'web:1', 'web:2']);
    for (const n of ['web:1', 'web:2']) expect(isAlive(before[n]!)).toBe(true);
    expect(await whoIsOn(base + 1)).toMatchObject({ instance: '1', pid: before['web:1'] });
    expect(await whoIsOn(base + 2)).toMatchObject({ instance: '2', pid: before['web:2'] });
    expect(existsSync(path.join(td.stateDir, 'scale.json'))).toBe(false);

    // The same cut through the config file.
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [service(dir, 1)] })));
    const reloaded = await d.command('/api/reload', new URLSearchParams());
    expect(reloaded).toMatchObject({ status: 409, body: { ok: false } });
    expect(reloaded?.body.message).toContain('config reload refused, nothing changed: web: it would stop web:1, web:2');
    expect(pidsOf(d)).toEqual(before);

    // A scale down that keeps a serving instance goes ahead (web:2 stops, web:1 serves on).
    const two = await d.command('/api/services/web/scale', new URLSearchParams({ instances: '2', by: 'test' }));
    expect(two?.status).toBe(200);
    expect([...d.runtimes.keys()].sort()).toEqual(['web:0', 'web:1']);

    // Once web:0 serves, going down to it is fine.
    rmSync(flagOf(dir));
    await d.action('web:0', 'restart');
    await waitHealthy(d, ['web:0']);
    const one = await d.command('/api/reload', new URLSearchParams());
    expect(one?.status).toBe(200);
    expect([...d.runtimes.keys()]).toEqual(['web:0']);
    expect(await whoIsOn(base)).toMatchObject({ instance: '0' });
  }, 90_000);
});
