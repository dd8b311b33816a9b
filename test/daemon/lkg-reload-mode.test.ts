// A service that reads its config only at start (configFile.reload "start", the default) never ran with an edit made
// while it runs: the daemon saved such an edit as last-known-good ~5 s later anyway ("seen healthy with it") while
// /health still answered the old name, and a restore then ranked that never-run copy above backups that really ran.
// Its content counts once an instance started with it is healthy; a "live" service (it reloads) records as before.
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

const body = (name: string): string => `{"name":${JSON.stringify(name)}}\n`;
const healthName = async (port: number): Promise<string> => ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { name: string }).name;

describe('last-known-good and when a service reads its config', () => {
  it('a start-only service: an edit it never loaded is not recorded; after a restart with it and healthy, it is. A live one records at once', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const [startPort, livePort] = [await freePort(), await freePort()];
    const service = (name: string, port: number, mode: 'start' | 'live') => {
      const cfg = path.join(dir, `${name}.json`);
      writeFileSync(cfg, body('ran'));
      return {
        cfg,
        entry: {
          name,
          command: [NODE, path.join(FIXTURES, 'config-echo.mjs'), String(port), cfg, mode],
          port,
          // The start-only one takes the default (start).
          configFile: { path: cfg, format: 'json', ...(mode === 'live' ? { reload: 'live' } : {}) },
          probes: [{ kind: 'http', name: 'health', url: `http://127.0.0.1:${port}/health`, interval: '200ms', timeout: '1s', failureThreshold: 3 }],
          doctor: { snapshotAfter: '1s' },
        },
      };
    };
    const s = service('start-only', startPort, 'start');
    const l = service('hot', livePort, 'live');
    td = await startTestDaemon({ services: [s.entry, l.entry] }, { dir });
    const t = td;
    const recorded = (name: string, content: string): boolean =>
      t.events.some((e) => e.type === 'config.snapshot' && e.service === name && e.details?.sha256 === sha256(Buffer.from(content)));
    await waitFor(() => recorded('start-only', body('ran')) && recorded('hot', body('ran')), { timeoutMs: 30_000, message: 'the configs they started with recorded' });

    writeFileSync(s.cfg, body('never-ran'));
    writeFileSync(l.cfg, body('edited'));
    // The live one reloads it and is seen healthy with it: recorded without a restart.
    await waitFor(() => recorded('hot', body('edited')), { timeoutMs: 30_000, message: "the live service's edit recorded" });
    expect(await healthName(livePort)).toBe('edited');
    // Two more ticks of the last-known-good timer (every 2 s): the start-only one still serves the old name, and its
    // never-run content is not a copy "seen healthy".
    const pid = t.daemon.runtimes.get('start-only')!.status().pid;
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await healthName(startPort)).toBe('ran');
    expect(recorded('start-only', body('never-ran')), 'a config the process never loaded was saved as last-known-good').toBe(false);
    expect(t.daemon.runtimes.get('start-only')!.status().pid).toBe(pid);

    // Restarted with it and healthy: now it ran, and is recorded.
    await t.daemon.runtimes.get('start-only')!.restart('human');
    await waitFor(() => recorded('start-only', body('never-ran')), { timeoutMs: 30_000, message: 'the config recorded after a restart with it' });
    expect(await healthName(startPort)).toBe('never-ran');
  });
});
