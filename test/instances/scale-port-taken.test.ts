// A scale up whose new instance's port another program listens on is refused, nothing changed: it answered "scaled"
// and the instance was held at Level 4 at once (preflight: port in use), a page to a human for a stranger's port.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { freePortRun, portStranger, waitHealthy, webService } from './instance-helpers.js';

let td: TestDaemon | undefined;
const stranger = portStranger();
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('clawback scale onto a port a stranger holds', () => {
  it('refuses with 409 naming the port; scale.json and the running set stay; once the port is free it scales', async () => {
    const base = await freePortRun(4);
    td = await startTestDaemon({ services: [webService(base, 2)] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1']);
    await stranger.take(base + 2);

    const r = await d.command('/api/services/web/scale', new URLSearchParams({ instances: '3', by: 'test' }));
    expect(r?.status).toBe(409);
    expect(String(r?.body.message)).toContain(`port ${base + 2} of web:2 is in use`);
    expect([...d.runtimes.keys()].sort()).toEqual(['web:0', 'web:1']);
    const scaleFile = path.join(td.stateDir, 'scale.json');
    expect(existsSync(scaleFile) ? readFileSync(scaleFile, 'utf8') : '').not.toContain('"instances": 3');
    expect(td.events.filter((e) => e.type === 'incident.opened' || e.type === 'breaker.tripped')).toEqual([]);

    await stranger.free();
    expect((await d.command('/api/services/web/scale', new URLSearchParams({ instances: '3', by: 'test' })))?.status).toBe(200);
    await waitHealthy(d, ['web:0', 'web:1', 'web:2']);
  }, 60_000);
});
