// A `restart: never` service that crashed showed its incident as "L0 open" for ever in `clawback status`, as if the
// ladder were still at work: real daemon, real crashing child; the status now says it is kept down and what starts it.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { renderStatus } from '../../src/cli/cmd-status.js';
import type { ServiceStatus } from '../../src/daemon/service-runtime.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

type Status = Parameters<typeof renderStatus>[0];

describe('a restart: never service that crashed', () => {
  it('is shown as kept down with the command that starts it, not as an open incident', async () => {
    td = await startTestDaemon({
      services: [
        { name: 'job', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '3', '200'], restart: { policy: 'never' } },
        { name: 'done', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '0', '200'], restart: { policy: 'never' } },
      ],
    });
    const d = td.daemon;
    const of = (name: string): ServiceStatus | undefined => (d.status() as unknown as Status).services.find((s) => s.name === name);
    await waitFor(() => of('job')?.incident && of('job')?.lastExit && of('done')?.lastExit, { timeoutMs: 20_000, message: 'both services to exit' });
    expect(of('job')).toMatchObject({ state: 'stopped', keptDown: 'never' });
    expect(of('done')).toMatchObject({ state: 'stopped', keptDown: 'never', incident: null });
    const shown = renderStatus(d.status() as unknown as Status, false);
    expect(shown).toMatch(/job .* L0 kept down/);
    expect(shown).not.toMatch(/L0 open/);
    expect(shown).toContain('job: failed, kept down (restart: never): not restarted until a person starts it: clawback start job');
    expect(shown).toContain('done: finished, kept down (restart: never); clawback start done runs it again');
  }, 30_000);
});
