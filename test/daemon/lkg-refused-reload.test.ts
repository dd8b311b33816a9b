// A live-reloading service that refused an edit (OpenClaw: "config reload failed: ... no token was configured", after
// gateway.auth.token was deleted) runs on with the old config, and its probes keep passing: the daemon saved the refused
// edit as last-known-good ("seen healthy with it"), so a restore would put back the config without the token. An edit
// a check found invalid after it was written (a config-invalid log line, the config probe) is not seen healthy.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { sha256 } from '../../src/platform/config-file.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const healthName = async (port: number): Promise<string> => ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { name: string }).name;

describe('last-known-good and a refused live reload', () => {
  it('an edit the service refused to load is not recorded; a later edit it loads is', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const port = await freePort();
    const cfg = path.join(dir, 'svc.json');
    const good = `${JSON.stringify({ name: 'ran', token: 'tok-1' })}\n`;
    writeFileSync(cfg, good);
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'hot',
            command: [NODE, path.join(FIXTURES, 'reload-refuser.mjs'), String(port), cfg],
            port,
            configFile: { path: cfg, format: 'json', reload: 'live' },
            probes: [
              { kind: 'http', name: 'health', url: `http://127.0.0.1:${port}/health`, interval: '1s', timeout: '1s', failureThreshold: 3 },
              { kind: 'log', name: 'config-invalid', pattern: 'config reload failed', finding: 'config-invalid', action: 'notify', interval: '100ms' },
            ],
            doctor: { snapshotAfter: '1s' },
          },
        ],
      },
      { dir },
    );
    const t = td;
    const recorded = (content: string): boolean => t.events.some((e) => e.type === 'config.snapshot' && e.service === 'hot' && e.details?.sha256 === sha256(Buffer.from(content)));
    await waitFor(() => recorded(good), { timeoutMs: 30_000, message: 'the config it started with recorded' });

    const refused = `${JSON.stringify({ name: 'no-token' })}\n`;
    writeFileSync(cfg, refused);
    // Several ticks of the last-known-good timer (every 2 s) with the health probe passing after the write.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await healthName(port)).toBe('ran');
    expect(recorded(refused), 'an edit the service refused to load was saved as last-known-good').toBe(false);

    const loaded = `${JSON.stringify({ name: 'edited', token: 'tok-2' })}\n`;
    writeFileSync(cfg, loaded);
    await waitFor(() => recorded(loaded), { timeoutMs: 30_000, message: 'the edit it loaded recorded' });
    expect(await healthName(port)).toBe('edited');
  });
});
