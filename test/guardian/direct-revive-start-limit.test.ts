// A service that crashes under the guardian's direct revive (no daemon can run) is counted by its reducer: each pass
// reports the exit of the instance the last pass started, and past restart.guardianStartLimit the breaker trips
// (Level 4, a person told), as systemd's StartLimitBurst does. Before, each pass was a fresh start: "started" every
// minute for ever, no exit, no incident, no breaker.
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

describe('guardian direct revive of a crashing service', () => {
  it('records each exit and stops starting it past restart.guardianStartLimit', async () => {
    const { dir, config } = revive.setup('clawback-revive-limit-', {
      service: {
        command: [process.execPath, path.join(FIXTURES, 'exit-with.mjs'), '1', '0'],
        restart: { guardianStartLimit: { burst: 3, interval: '1h' }, backoff: { initial: '10ms', max: '20ms', jitter: 0 } },
      },
    });
    const events: ClawbackEvent[] = [];
    let starts = 0;
    // Bounded: far more passes than the limit needs; the loop ends when the breaker trips.
    for (let pass = 0; pass < 20 && !events.some((e) => e.type === 'breaker.tripped'); pass++) {
      const started = await reviveServicesDirectly(config, dir, (e) => events.push(e));
      if (started.length > 0) {
        starts++;
        const pid = revive.startedPid(dir);
        await waitFor(() => !isAlive(pid), { timeoutMs: 10_000 });
      } else {
        await new Promise((r) => setTimeout(r, 50)); // a backoff of 10-20 ms comes due
      }
    }
    const exits = events.filter((e) => e.type === 'service.exited' && e.service === 'gw');
    expect(exits.length, JSON.stringify(events.map((e) => e.message))).toBeGreaterThanOrEqual(4);
    const tripped = events.find((e) => e.type === 'breaker.tripped');
    expect(tripped?.severity).toBe('critical');
    expect(events.some((e) => e.type === 'incident.escalated' && e.severity === 'critical')).toBe(true);
    // The burst of 3 restarts after the first start: 4 starts in all, then none.
    expect(starts).toBe(4);
    const saved = new StateStore(dir).load().state.services.gw!;
    expect(saved.record.held?.reason).toBe('crash-loop');
    expect(saved.incident?.status).toBe('waiting-human');
    // Later passes start nothing while it is held (a person's `clawback resume` lifts it).
    expect(await reviveServicesDirectly(config, dir, (e) => events.push(e))).toEqual([]);
    expect(await reviveServicesDirectly(config, dir, (e) => events.push(e))).toEqual([]);
  }, 90_000);
});
