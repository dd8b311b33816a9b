// A job its restart policy keeps down (on-failure after exit 0, never after a crash) is not run again by a daemon restart.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const config = {
  services: [
    { name: 'job', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '0', '100'], restart: { policy: 'on-failure' } },
    { name: 'once', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '100'], restart: { policy: 'never' } },
    { name: 'server', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
  ],
};

describe('a daemon restart and the services their policy keeps down', () => {
  it('keeps the finished job and the crashed never service down; the server is adopted; a person can start the job', { timeout: 90_000 }, async () => {
    td = await startTestDaemon(config);
    const dir = td.dir;
    const first = td;
    await waitFor(() => ['job', 'once'].every((n) => first.daemon.runtimes.get(n)!.status().state === 'stopped' && first.daemon.runtimes.get(n)!.status().lastExit), { timeoutMs: 30_000 });
    const incident = first.daemon.runtimes.get('once')!.status().incident?.id;
    expect(incident).toBeDefined();
    // The daemon goes away leaving the services as they are (SIGUSR2, a kill, an upgrade), and a new one boots.
    await first.daemon.stop({ stopServices: false });
    td = undefined;
    td = await startTestDaemon(config, { dir });
    const second = td;
    await waitFor(() => second.daemon.runtimes.get('server')!.status().state === 'running', { timeoutMs: 30_000 });
    const started = (n: string) => second.events.filter((e) => e.type === 'service.started' && e.service === n);
    expect(started('job')).toHaveLength(0);
    expect(started('once')).toHaveLength(0);
    expect(second.daemon.runtimes.get('job')!.status().state).toBe('stopped');
    expect(second.daemon.runtimes.get('once')!.status().state).toBe('stopped');
    // The crash stays the person's to look at: the same incident, still open.
    expect(second.daemon.runtimes.get('once')!.status().incident?.id).toBe(incident);
    // A person's start runs the job again.
    const r = await second.daemon.runtimes.get('job')!.start('human');
    expect(r.ok).toBe(true);
    await waitFor(() => started('job').length === 1, { timeoutMs: 30_000 });
  });
});
