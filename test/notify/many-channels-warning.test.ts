// A daemon with 11 or more channels printed Node's "Possible EventTarget memory leak detected" on its first alert sent
// to all of them at once: each channel's request listens to the notifier's stop signal. Bounded, not a leak: no warning.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, receiversPerTest } from './helpers.js';

describe('many channels (real receiver)', () => {
  const bed = receiversPerTest(1);
  it('delivers to 12 webhook channels at once without a listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const r = bed.receivers[0]!;
      const channels = Array.from({ length: 12 }, (_, i) => ({ type: 'webhook' as const, name: `hook-${i}`, url: `${r.base}/webhook/h${i}` }));
      const n = createNotifier(config(channels), { stateDir: bed.stateDir, clock: systemClock(), redactor: new Redactor() });
      bed.notifiers.push(n);
      for (let i = 0; i < 3; i++) n.publish(event({ incidentId: `inc-${i}`, message: `gateway down ${i}` }));
      await r.waitFor(() => r.of('webhook').length >= 36, 20_000, '3 alerts on 12 channels');
      await n.flush(10_000);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(r.of('webhook')).toHaveLength(36);
      expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  }, 60_000);
});
