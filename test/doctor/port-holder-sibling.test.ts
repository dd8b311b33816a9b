// Two services of one daemon configured on the same port: the one that cannot start is told which service holds the port,
// and the holder (healthy, supervised) is never stopped to free it.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, isAlive, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';

let d: TestDaemon | undefined;
afterEach(async () => {
  await d?.stop();
  d = undefined;
});

describe('port held by another service of the same daemon', () => {
  it('names the service and its pid, and leaves it running', async () => {
    const port = await freePort();
    const service = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      name,
      command: [NODE, path.join(FIXTURES, 'instance-server.mjs'), String(port)],
      port,
      probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/` }],
      ...extra,
    });
    d = await startTestDaemon({ services: [service('gw1'), service('gw2', { dependsOn: ['gw1'] })] });
    const daemon = d;
    const holder = await waitFor(() => daemon.daemon.runtimes.get('gw1')?.status().pid ?? undefined, { timeoutMs: 60_000, message: 'gw1 to run' });
    const named = await waitFor(() => daemon.events.find((e) => e.service === 'gw2' && e.type === 'doctor.finding' && e.message.includes('held by')), {
      timeoutMs: 90_000,
      message: 'the doctor of gw2 to report the port holder',
    });
    expect(named.message).toContain(`port ${port} is held by service \`gw1\` (pid ${holder})`);
    expect(named.message).not.toContain('another program');
    expect(daemon.events.some((e) => e.type === 'doctor.repair' && e.service === 'gw2')).toBe(false);
    expect(isAlive(holder)).toBe(true);
    expect(daemon.daemon.runtimes.get('gw1')?.status().pid).toBe(holder);
    expect((await httpGet(`http://127.0.0.1:${port}/`, 5000)).status).toBe(200);
  });
});
