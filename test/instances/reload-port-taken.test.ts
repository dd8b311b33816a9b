// A reload whose new instance's port another program listens on is refused, nothing changed, as `clawback scale` is:
// it answered "config reloaded" (exit 0) while the instance was held at Level 4 at once (preflight: port in use).
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

describe('clawback reload that adds an instance onto a port a stranger holds', () => {
  it('refuses with 409 naming the port; the running set stays; once the port is free the reload applies', async () => {
    const base = await freePortRun(4);
    td = await startTestDaemon({ services: [webService(base, 2)] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1']);
    const before = pidsOf(d);
    await stranger.take(base + 2);
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [webService(base, 3)] })));

    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(String(r?.body.message)).toContain(`config reload refused, nothing changed: port ${base + 2} of web:2 is in use`);
    expect(r?.status).toBe(409);
    expect([...d.runtimes.keys()].sort()).toEqual(['web:0', 'web:1']);
    expect(pidsOf(d)).toEqual(before);
    expect(td.events.filter((e) => e.type === 'incident.opened' || e.type === 'breaker.tripped')).toEqual([]);
    expect(td.events.find((e) => e.type === 'config.reload-failed')?.message).toContain(`port ${base + 2} of web:2`);

    await stranger.free();
    expect((await d.command('/api/reload', new URLSearchParams({ by: 'test' })))?.status).toBe(200);
    await waitHealthy(d, ['web:0', 'web:1', 'web:2']);
    expect(pidsOf(d)['web:0']).toBe(before['web:0']);
  }, 60_000);

  it('a plain service turned into one instance on its own port is not refused (its port is freed by the same reload)', async () => {
    const base = await freePortRun(2);
    const plain = { ...webService(base, 1) };
    delete plain.instances;
    td = await startTestDaemon({ services: [{ ...plain, command: (plain.command as string[]).map((a) => (a === '{port}' ? String(base) : a)), probes: [] }] });
    const d = td.daemon;
    await waitHealthy(d, ['web']);
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [webService(base, 1)] })));
    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(r?.body.message).toContain('added web:0');
    expect(r?.status).toBe(200);
    await waitHealthy(d, ['web:0']);
  }, 60_000);
});
