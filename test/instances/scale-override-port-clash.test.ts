// A count set by `clawback scale` beyond the file's `instances:` is checked against the file's other ports when the file
// changes: a service added on web's 5th port (after `scale web 5`, file says 2) raced web:4 for it, was held at Level 4,
// and web:4 answered its clients. The reload is refused (nothing changed); a daemon start applies the file's count.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { INSTANCE_SERVER, freePortRun, waitHealthy, webService, whoIsOn } from './instance-helpers.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { loadConfig } from '../../src/config/load.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('scale.json counts against ports added to the file later', () => {
  it('refuses a reload that adds a service on a scaled-up instance port, and a fresh load uses the file count', async () => {
    const base = await freePortRun(6);
    td = await startTestDaemon({ services: [webService(base, 2)] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1']);
    expect((await d.command('/api/services/web/scale', new URLSearchParams({ instances: '5', by: 'test' })))?.status).toBe(200);
    await waitHealthy(d, ['web:0', 'web:1', 'web:2', 'web:3', 'web:4']);
    const web4 = d.runtimes.get('web:4')!.status().pid;

    // The person adds a service on base + 4; the file still says `instances: 2`.
    const cfg = YAML.parse(readFileSync(td.configFile, 'utf8')) as { services: Array<Record<string, unknown>> };
    cfg.services.push({ name: 'api', command: [process.execPath, INSTANCE_SERVER, String(base + 4)], port: base + 4 });
    writeFileSync(td.configFile, YAML.stringify(cfg));

    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(r?.status).toBe(409);
    expect(String(r?.body.message)).toMatch(/refused, nothing changed.*web:4/);
    expect(d.runtimes.has('api')).toBe(false);
    expect(d.runtimes.get('web:4')!.status().pid).toBe(web4);
    expect(await whoIsOn(base + 4)).toMatchObject({ instance: '4' });
    expect(td.events.some((e) => e.type === 'config.reload-failed')).toBe(true);

    // A daemon started on this file and state dir: the override is not applied (said in a warning), so api gets its port.
    const loaded = loadConfig({ file: td.configFile, stateDir: td.stateDir });
    expect(loaded.config.services.map((s) => s.name)).toEqual(['web:0', 'web:1', 'api']);
    expect(loaded.warnings.join('\n')).toMatch(/count 5 .*scale\.json.*web:4/);
  }, 60_000);
});
