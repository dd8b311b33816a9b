// A daemon stopped 1-2 s into a `clawback reload` that rolls a changed scaled service answered 409 "not healthy in time
// after their replacement: web:0" and journaled it (config.reloaded, warning, notHealthy [web:0]): a false fact that
// blamed the instance, which was only still starting. The rollout cut short by the shutdown says so.
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePortRun, pidsOf, waitHealthy, webService } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('config reload whose rollout is cut short by the daemon stopping', () => {
  it('says the shutdown cut it, and blames no instance', async () => {
    const base = await freePortRun(3);
    // Each instance listens 3 s after it starts: the replaced web:0 is still starting when the daemon stops.
    const web = webService(base, 3, { env: { LISTEN_DELAY_MS: '3000' } });
    td = await startTestDaemon({ services: [web] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1', 'web:2']);
    const before = pidsOf(d);
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [{ ...web, env: { LISTEN_DELAY_MS: '3000', RELEASE: 'v2' } }] })));
    const reload = d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    await waitFor(() => pidsOf(d)['web:0'] !== null && pidsOf(d)['web:0'] !== before['web:0'], { timeoutMs: 20_000, message: 'web:0 replaced' });
    const events = td.events;
    const stopping = td.stop();
    td = undefined;
    const r = await reload;
    await stopping;
    const message = String(r?.body.message);
    expect(message).not.toContain('not healthy in time');
    expect(message).toContain("cut short by the daemon's shutdown");
    expect(message).toContain('while web:0 was starting');
    expect(message).toMatch(/not applied: web:[12], web:[12]/);
    expect(r?.status).toBe(503);
    expect(r?.body.notHealthy).toEqual([]);
    const reloaded = events.filter((e) => e.type === 'config.reloaded');
    expect(reloaded).toHaveLength(1);
    expect(reloaded[0]!.details).toMatchObject({ notHealthy: [], shutdown: true });
  }, 90_000);
});
