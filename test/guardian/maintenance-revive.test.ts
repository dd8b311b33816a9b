// Issue 25 and the guardian's direct revive (no daemon can run): maintenance holds there too, and one that expired ends.
import { afterEach, describe, expect, it } from 'vitest';
import { reviveServicesDirectly } from '../../src/daemon/direct-revive.js';
import { StateStore } from '../../src/daemon/state-store.js';
import { isAlive } from '../../src/platform/proc.js';
import { directReviveHarness } from '../helpers/direct-revive.js';

const revive = directReviveHarness();
afterEach(() => revive.cleanup());

function setup(until: number | null) {
  return revive.setup('clawback-maint-revive-', {
    record: (record) => {
      record.maintenance = { since: Date.now() - 60_000, until, reason: 'moving disks', by: 'cli:ann' };
    },
  });
}

describe('guardian direct revive and maintenance', () => {
  it('does not start a service in maintenance', async () => {
    const { dir, config } = setup(Date.now() + 3_600_000);
    expect(await reviveServicesDirectly(config, dir)).toEqual([]);
    expect(new StateStore(dir).load().state.services.gw!.record.maintenance).not.toBeNull();
  });

  it('ends a maintenance whose deadline passed and starts the service', async () => {
    const { dir, config } = setup(Date.now() - 1000);
    expect(await reviveServicesDirectly(config, dir)).toEqual(['gw']);
    expect(new StateStore(dir).load().state.services.gw!.record.maintenance).toBeNull();
    expect(isAlive(revive.startedPid(dir))).toBe(true);
  });
});
