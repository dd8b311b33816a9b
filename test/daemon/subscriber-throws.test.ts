// A bus subscriber that throws (a notifier's or a plugin's bug) lost its event in silence ("each sink logs its own
// errors"): a real daemon with a real service, a subscriber that throws on every event; it is said in daemon.log,
// bounded (first failure, then every 100th), and the service killed with SIGKILL is still restarted.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a bus subscriber that throws', () => {
  it('is said in daemon.log once (not per event), and supervision goes on', async () => {
    td = await startTestDaemon({ services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const { daemon } = td;
    daemon.ctx.bus.subscribe(() => {
      throw new Error('plugin bug: cannot format this event');
    });
    await until(() => daemon.runtimes.get('web')?.status().pid != null);
    const first = daemon.runtimes.get('web')!.status().pid!;
    process.kill(first, 'SIGKILL');
    await until(() => {
      const pid = daemon.runtimes.get('web')?.status().pid;
      return pid != null && pid !== first;
    });
    const log = path.join(td.stateDir, 'logs', 'daemon.log');
    await until(() => existsSync(log) && readFileSync(log, 'utf8').includes('plugin bug'));
    const said = readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('plugin bug'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('an event subscriber (a notifier, a plugin) threw on');
    expect(said[0]).toContain('supervision continues');
    expect(td.events.filter((e) => e.type === 'service.started').length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
