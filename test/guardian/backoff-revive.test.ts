// The guardian's direct revive (no daemon can run) keeps a backoff under way: nothing starts before its due time, a due one starts.
import { afterEach, describe, expect, it } from 'vitest';
import { reviveServicesDirectly } from '../../src/daemon/direct-revive.js';
import { StateStore } from '../../src/daemon/state-store.js';
import { isAlive } from '../../src/platform/proc.js';
import { directReviveHarness } from '../helpers/direct-revive.js';

const revive = directReviveHarness();
afterEach(() => revive.cleanup());

function setup(nextStartAt: number) {
  return revive.setup('clawback-backoff-revive-', {
    service: { restart: { backoff: { max: '5m' } } },
    record: (record) => {
      Object.assign(record, { phase: 'backoff', nextStartAt, backoffAttempt: 3, restartHistory: [Date.now() - 5000] });
    },
  });
}

describe('guardian direct revive and a backoff under way', () => {
  it('starts nothing before the due time; the state keeps it', async () => {
    const due = Date.now() + 120_000;
    const { dir, config } = setup(due);
    expect(await reviveServicesDirectly(config, dir)).toEqual([]);
    expect(new StateStore(dir).load().state.services.gw!.record).toMatchObject({ phase: 'backoff', nextStartAt: due });
  });

  it('starts a service whose restart is due', async () => {
    const { dir, config } = setup(Date.now() - 1000);
    expect(await reviveServicesDirectly(config, dir)).toEqual(['gw']);
    expect(isAlive(revive.startedPid(dir))).toBe(true);
  });
});
