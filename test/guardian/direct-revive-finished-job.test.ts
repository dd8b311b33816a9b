// A one-shot that ends while no daemon runs has no exit status anyone can read: its parent is gone. The guardian's direct
// revive called the end of a `restart: never` job a crash (an incident nothing resolves) and, for any job whose record
// says it ended where its policy keeps it down, started it again every pass. An on-failure service's unseen end is
// still a failure (it may be a server), restarted and counted.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reviveServicesDirectly } from '../../src/daemon/direct-revive.js';
import { StateStore } from '../../src/daemon/state-store.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES } from '../helpers/daemon.js';
import { directReviveHarness } from '../helpers/direct-revive.js';
import { isAlive, waitFor } from '../helpers/processes.js';

const revive = directReviveHarness();
afterEach(() => revive.cleanup());

describe('guardian direct revive of a one-shot that ended', () => {
  for (const policy of ['never'] as const) {
    it(`restart ${policy}: runs it once, says its status is unknown, opens no incident and pages nobody`, async () => {
      const { dir, config } = revive.setup(`clawback-revive-oneshot-${policy}-`, {
        service: {
          command: [process.execPath, path.join(FIXTURES, 'exit-with.mjs'), '0', '0'],
          restart: { policy, guardianStartLimit: { burst: 1, interval: '1h' }, backoff: { initial: '10ms', max: '20ms', jitter: 0 } },
        },
      });
      const events: ClawbackEvent[] = [];
      let starts = 0;
      // Bounded: five passes, each after the instance the last one started has ended (exit 0).
      for (let pass = 0; pass < 5; pass++) {
        const started = await reviveServicesDirectly(config, dir, (e) => events.push(e));
        if (started.length > 0) {
          starts++;
          const pid = revive.startedPid(dir);
          await waitFor(() => !isAlive(pid), { timeoutMs: 10_000 });
        }
      }
      const said = JSON.stringify(events.map((e) => `${e.type}: ${e.message}`));
      expect(starts, said).toBe(1);
      expect(events.filter((e) => ['incident.opened', 'breaker.tripped', 'incident.escalated'].includes(e.type)), said).toEqual([]);
      const stopped = events.filter((e) => e.type === 'service.stopped');
      expect(stopped, said).toHaveLength(1);
      expect(stopped[0]!.severity).toBe('warning');
      expect(stopped[0]!.message).toMatch(/exit status cannot be known/);
      expect(stopped[0]!.message).toMatch(/clawback start gw/);
      const saved = new StateStore(dir).load().state.services.gw!;
      expect(saved.record.phase).toBe('stopped');
      expect(saved.record.held).toBeNull();
      expect(saved.incident).toBeNull();
    }, 60_000);
  }

  it('restart on-failure: a job the daemon saw finish (exit 0) is not started again; an end nobody saw is restarted', async () => {
    const job = { command: [process.execPath, path.join(FIXTURES, 'exit-with.mjs'), '0', '0'], restart: { policy: 'on-failure' } };
    const done = revive.setup('clawback-revive-oneshot-done-', {
      service: job,
      record: (r) => {
        r.phase = 'stopped';
        r.lastExit = { code: 0, signal: null, at: Date.now() - 60_000, uptimeMs: 50, statusKnown: true };
      },
    });
    for (let pass = 0; pass < 3; pass++) expect(await reviveServicesDirectly(done.config, done.dir)).toEqual([]);

    // Its instance vanished while no daemon watched: it may be a server that crashed, so it is started again.
    const unseen = revive.setup('clawback-revive-oneshot-unseen-', {
      service: job,
      record: (r) => {
        r.phase = 'running';
        r.instance = { pid: 2 ** 22 + 17, pidStartTime: 1, startedAt: Date.now() - 5_000 };
      },
    });
    const events: ClawbackEvent[] = [];
    expect(await reviveServicesDirectly(unseen.config, unseen.dir, (e) => events.push(e))).toEqual(['gw']);
    await waitFor(() => !isAlive(revive.startedPid(unseen.dir)), { timeoutMs: 10_000 });
    expect(events.filter((e) => e.type === 'incident.opened')).toHaveLength(1);
  }, 60_000);

  it('restart always: an end nobody saw is still a crash, restarted and counted', async () => {
    const { dir, config } = revive.setup('clawback-revive-oneshot-always-', {
      service: {
        command: [process.execPath, path.join(FIXTURES, 'exit-with.mjs'), '0', '0'],
        restart: { policy: 'always', guardianStartLimit: { burst: 5, interval: '1h' }, backoff: { initial: '10ms', max: '20ms', jitter: 0 } },
      },
    });
    const events: ClawbackEvent[] = [];
    let starts = 0;
    for (let pass = 0; pass < 2; pass++) {
      const started = await reviveServicesDirectly(config, dir, (e) => events.push(e));
      if (started.length > 0) {
        starts++;
        const pid = revive.startedPid(dir);
        await waitFor(() => !isAlive(pid), { timeoutMs: 10_000 });
      }
    }
    expect(starts).toBe(2);
    expect(events.filter((e) => e.type === 'incident.opened')).toHaveLength(1);
  }, 60_000);
});
