// A reload that moves a scaled service to a new base port another program listens on took the first instance down
// (restarted onto the stranger's port, refused there) and waited out the rollout's bound: only added instances were checked.
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { freePortRun, pidsOf, waitHealthy, webService, portStranger } from './instance-helpers.js';

let td: TestDaemon | undefined;
const stranger = portStranger();
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('clawback reload that moves a scaled service onto a port a stranger holds', () => {
  it('refuses with 409 naming the port; every instance keeps running with its pid; once the port is free it applies', async () => {
    const base = await freePortRun(2);
    const moved = await freePortRun(2);
    td = await startTestDaemon({ services: [webService(base, 2)] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1']);
    const before = pidsOf(d);
    await stranger.take(moved);
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [webService(moved, 2)] })));

    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(r?.status, String(r?.body.message)).toBe(409);
    expect(String(r?.body.message)).toContain(`port ${moved} of web:0 is in use`);
    expect(pidsOf(d)).toEqual(before);
    expect(d.runtimes.get('web:0')!.config.port).toBe(base);
    expect(td.events.filter((e) => e.type === 'incident.opened' || e.type === 'breaker.tripped')).toEqual([]);

    await stranger.free();
    const ok = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(ok?.status, String(ok?.body.message)).toBe(200);
    expect(d.runtimes.get('web:1')!.config.port).toBe(moved + 1);
  }, 180_000);

  it('a base port moved by one (onto web:1\'s port) is refused naming web:1, nothing changed', async () => {
    const base = await freePortRun(3);
    td = await startTestDaemon({ services: [webService(base, 2)] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1']);
    const before = pidsOf(d);
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [webService(base + 1, 2)] })));
    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(r?.status, String(r?.body.message)).toBe(409);
    expect(String(r?.body.message)).toContain(`port ${base + 1} of web:0 is web:1's port now`);
    expect(pidsOf(d)).toEqual(before);
  }, 120_000);
});
