// A service whose memory climbs at start and levels off (a warm-up, a cache filling) is not forecast to reach its limit
// at its early, steep rate, and so not restarted ahead of a crossing that never comes.
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

/** Allocates 300 MiB in all, at a rate that halves every ~2 s (300 MiB × (1 - e^(-t/3 s))), then holds it. */
const WARM_UP = `
const k = []; const t0 = Date.now(); let held = 0;
setInterval(() => {
  const want = 300 * (1 - Math.exp(-(Date.now() - t0) / 3000));
  while (held + 1 <= want) { k.push(Buffer.alloc(1 << 20, 1)); held++; }
}, 50);
setInterval(() => undefined, 1 << 30);
`;

describe('a warm-up that levels off', () => {
  it('is not forecast at its early rate and not restarted ahead of time', async () => {
    td = await startTestDaemon({
      services: [
        {
          name: 'warm',
          command: [NODE, '-e', WARM_UP],
          probes: [{ kind: 'memory', limit: '2GiB', interval: '250ms' }],
          // Roughly the defaults (10 min window, 30 min horizon) scaled down: an 8 s window, a 50 s horizon (the forecast at the
          // first confident fit was ~40 s before, ~85 s now).
          prediction: { memory: { window: '8s', minSamples: 12, horizon: '50s', proactiveRestart: true, safetyMargin: '1s' } },
        },
      ],
    });
    const t = td;
    const rt = t.daemon.runtimes.get('warm')!;
    await waitFor(() => rt.status().pid !== null, { timeoutMs: 20_000 });
    const pid = rt.status().pid;
    // Every fit (one each 2 s) from the first with half a window of samples until the level has long been flat.
    await new Promise((r) => setTimeout(r, 20_000));
    const warnings = t.events.filter((e) => e.type === 'prediction.warning');
    expect(warnings.map((e) => e.message)).toEqual([]);
    expect(rt.status().pid).toBe(pid);
    expect(t.events.some((e) => e.type === 'service.restarting')).toBe(false);
  }, 60_000);
});
