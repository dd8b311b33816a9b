// The test EmergencyHost must wait for the gateway's real answer (listening or exited), not a short bound: a node
// start on a loaded machine took 3.4-5.9 s, past the 3 s it once gave, and it answered 'started, not listening yet'.
import { afterEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DemoHost } from './host-impl.js';
import { BROKEN_CONFIG, FIXED_CONFIG } from './scenario.js';

let host: DemoHost | undefined;
let dir: string | undefined;

afterEach(async () => {
  await host?.stop();
  host = undefined;
  if (dir) await fs.rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function makeHost(configText: string, env: Record<string, string> = {}): Promise<DemoHost> {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-host-impl-'));
  host = await DemoHost.create({ dir, serviceName: 'gw', configText, env });
  return host;
}

describe('DemoHost start and restart', () => {
  it('a gateway slower to listen than a loaded machine once allowed (4 s) is answered listening, and healthy at once', async () => {
    const h = await makeHost(FIXED_CONFIG, { DEMO_STARTUP_DELAY_MS: '4000' });
    const started = performance.now();
    expect(await h.start()).toMatch(/^running, listening on port \d+$/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(4000);
    expect(await h.checkHealth()).toMatchObject({ healthy: true });
    expect(await h.restartService()).toMatch(/^running, listening on port \d+$/);
    expect(await h.checkHealth()).toMatchObject({ healthy: true });
  });

  it('a broken config is answered with its exit code', async () => {
    const h = await makeHost(BROKEN_CONFIG);
    expect(await h.start()).toMatch(/^exited with code 78: /);
  });
});
