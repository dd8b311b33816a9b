// A `restart: never` job that finished (or crashed) during maintenance ran again when the maintenance ended, also
// when it ended on a new daemon's boot. Real daemons, real child: its policy keeps it down, as without maintenance.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a never job that ended during maintenance', () => {
  it('stays down when the maintenance is turned off and after a daemon restart; a person start runs it', async () => {
    const config = {
      services: [
        { name: 'once', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '0', '1500'], restart: { policy: 'never' } },
        { name: 'crashy', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '2', '1500'], restart: { policy: 'never' } },
      ],
    };
    td = await startTestDaemon(config);
    const rt = (n: string) => td!.daemon.runtimes.get(n)!;
    for (const n of ['once', 'crashy']) rt(n).maintenance(true, { by: 'test' });
    await waitFor(() => rt('once').status().lastExit && rt('crashy').status().lastExit, { timeoutMs: 20_000, message: 'both jobs to end' });
    for (const n of ['once', 'crashy']) {
      expect(rt(n).maintenance(false, { by: 'test' }).ok).toBe(true);
      expect(rt(n).status().state).toBe('stopped');
    }
    const ended = td.events.filter((e) => e.type === 'maintenance.ended');
    expect(ended.map((e) => e.message).join('\n')).toMatch(/once: maintenance ended \(test\); healing is back; it ended during the maintenance and restart policy never keeps it down: `clawback start once` runs it again/);
    const started = () => td!.events.filter((e) => e.type === 'service.started').length;
    expect(started()).toBe(2);
    // A new daemon on the same state keeps them down too.
    const dir = td.dir;
    await td.stop();
    td = await startTestDaemon(config, { dir });
    expect(rt('once').status().state).toBe('stopped');
    expect(rt('crashy').status().state).toBe('stopped');
    expect(td.events.filter((e) => e.type === 'service.started')).toHaveLength(0);
    // A person's start runs it again.
    await rt('once').start('human');
    expect(td.events.filter((e) => e.type === 'service.started')).toHaveLength(1);
  }, 60_000);
});
