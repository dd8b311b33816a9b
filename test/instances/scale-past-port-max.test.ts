// Instance ports past 65535: `clawback scale` named the config file as invalid ("services[0].port: Too big ... got
// 65534"), and a scale.json count past it (the file's base port moved up later) made the daemon refuse to start (78).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { loadConfig } from '../../src/config/load.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

/** A scaled service near the top of the port range that never listens (nothing is bound). */
const high = (instances: number): Record<string, unknown> => ({
  name: 'web',
  command: [NODE, path.join(FIXTURES, 'sleeper.mjs'), '{port}'],
  port: 65534,
  instances,
  stop: { grace: '2s' },
});

describe('instance ports past 65535', () => {
  it('clawback scale refuses a count past the last port with 400, naming the count, the limit and the port', async () => {
    td = await startTestDaemon({ services: [high(1)] });
    const r = await td.daemon.command('/api/services/web/scale', new URLSearchParams({ instances: '5', by: 'test' }));
    expect(r?.status).toBe(400);
    expect(r?.body.message).toBe('instances: expected at most 2 for web (base port 65534: web:2 would get port 65536, past 65535), got 5');
    expect([...td.daemon.runtimes.keys()]).toEqual(['web:0']);
    expect((await td.daemon.command('/api/services/web/scale', new URLSearchParams({ instances: '2', by: 'test' })))?.status).toBe(200);
  }, 30_000);

  it('a daemon whose scale.json count no longer fits the file\'s base port starts with the file\'s count and says so', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'state'), { recursive: true });
    writeFileSync(path.join(dir, 'state', 'scale.json'), JSON.stringify({ version: 1, services: { web: { instances: 5, fileInstances: 1, by: 'cli:test', at: 0 } } }));
    td = await startTestDaemon({ services: [high(1)] }, { dir });
    // What `clawback run` prints at start (and a reload refuses on): the override, its count and the room left.
    const loaded = loadConfig({ file: td.configFile, stateDir: td.stateDir });
    expect(loaded.warnings.join('\n')).toContain('web: the count 5 set by cli:test (scale.json) needs ports 65534..65538, past 65535: base port 65534 leaves room for 2 instance(s)');
    expect([...td.daemon.runtimes.keys()]).toEqual(['web:0']);
    await waitFor(() => td!.daemon.runtimes.get('web:0')?.status().state === 'running', { timeoutMs: 10_000 });
  }, 30_000);
});
