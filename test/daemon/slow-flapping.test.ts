// A real slow crash loop (healthy past the confirm time, dead 8 s after each start) is one bounded series that trips the breaker.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('slow flapping against a real daemon', () => {
  it('dies 8 s after each start, healthy and confirmed in between: recurrences numbered, the backoff grows, the breaker trips past maxRecurrences', async () => {
    td = await startTestDaemon({
      services: [
        {
          name: 'flappy',
          command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '8000'],
          // The intensity window (10 in 20 s) never fills at one crash per 8 s: before the series, it flapped for ever.
          // stableAfter 5 s: past the first recovery (healthy at 1 s, confirmed 1 s later), so the series holds the backoff;
          // at 2 s the two fell on the same tick and a loaded machine reset the backoff before the series began.
          restart: { stableAfter: '5s', backoff: { initial: '200ms', max: '2s', jitter: 0 }, intensity: { maxRestarts: 10, window: '20s' }, flapping: { window: '1m', maxRecurrences: 2 } },
          doctor: { confirmAfter: '1s', attempts: 0 },
        },
      ],
    });
    const t = td;
    const tripped = await waitFor(() => t.events.find((e) => e.type === 'breaker.tripped'), { timeoutMs: 60_000 });
    expect(tripped.message).toMatch(/flapping: 3 recurrences in .+, each within 1m0s of recovering \(limit 2\)/);
    const opened = t.events.filter((e) => e.type === 'incident.opened');
    expect(opened.map((e) => e.details?.['recurrence'])).toEqual([undefined, 1, 2, 3]);
    // every incident before the trip resolved on its own after the confirm time
    expect(t.events.filter((e) => e.type === 'incident.resolved')).toHaveLength(3);
    // the restarts of the series waited longer each time (stableAfter 5 s passed every time: before, always 0)
    const delays = t.events.filter((e) => e.type === 'service.restart-scheduled').map((e) => e.details?.['delayMs']);
    expect(delays).toEqual([0, 200, 400]);
    // held: nothing starts it again by itself
    const started = t.events.filter((e) => e.type === 'service.started').length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(t.events.filter((e) => e.type === 'service.started')).toHaveLength(started);
    expect(t.daemon.runtimes.get('flappy')!.status().held?.reason).toBe('crash-loop');
  }, 80_000);
});
