// A service that ended while no daemon ran (the daemon was killed, the guardian revived it) is the exit it is for the
// new daemon's reducer: booted plainly, its end was never recorded and a finished `never` job ran a second time.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const config = {
  services: [
    { name: 'once', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '0', '2500'], restart: { policy: 'never' } },
    { name: 'job', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '2500'], restart: { policy: 'on-failure' } },
  ],
};

describe('a service that ended while the daemon was away', () => {
  it('is recorded as an exit of unknown status: a never job stays down, an on-failure job is restarted as a crash', { timeout: 90_000 }, async () => {
    td = await startTestDaemon(config);
    const dir = td.dir;
    const first = td;
    const pids = ['once', 'job'].map((n) => first.daemon.runtimes.get(n)!.status().pid!);
    expect(pids.every((p) => typeof p === 'number' && p > 0)).toBe(true);
    // The daemon goes away leaving the services running; they end before the next daemon boots.
    await first.daemon.stop({ stopServices: false });
    td = undefined;
    await waitFor(() => pids.every((p) => !isAlive(p)), { timeoutMs: 30_000 });
    td = await startTestDaemon(config, { dir });
    const second = td;
    const of = (type: string, n: string) => second.events.filter((e) => e.type === type && e.service === n);
    await waitFor(() => of('service.started', 'job').length >= 1, { timeoutMs: 30_000 });
    const said = JSON.stringify(second.events.map((e) => `${e.type} ${e.service ?? ''}: ${e.message}`));
    // The never job: its end recorded, not run again.
    expect(of('service.exited', 'once'), said).toHaveLength(1);
    expect(of('service.started', 'once'), said).toHaveLength(0);
    expect(second.daemon.runtimes.get('once')!.status().state).toBe('stopped');
    // The on-failure job: its end recorded, an incident opened and the restart counted.
    expect(of('service.exited', 'job'), said).toHaveLength(1);
    expect(of('incident.opened', 'job'), said).toHaveLength(1);
    expect(of('service.started', 'job')[0]!.details?.reason, said).toBe('exit');
  });
});
