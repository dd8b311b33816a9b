// The dedup window is a duration: a step of the wall clock must neither silence a repeat for the step nor let a duplicate through.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { Redactor } from '../../src/observe/redact.js';
import { HOUR, steppableClock } from '../helpers/clock.js';
import { config, event, receiverPerTest } from './helpers.js';

describe('notify dedup window across a wall-clock step', () => {
  const h = receiverPerTest();
  const same = event({ type: 'maintenance.started', severity: 'info', message: 'sl: maintenance until turned off by cli:root', incidentId: undefined });

  it('sends a repeat once the window has passed, though NTP set the clock back an hour meanwhile', async () => {
    const clock = steppableClock();
    const n = createNotifier(config([{ type: 'webhook', url: `${h.receiver.base}/webhook/a` }], { dedupWindow: '300ms' }), { stateDir: h.stateDir, clock, redactor: new Redactor() });
    h.notifiers.push(n);
    n.publish(same);
    await n.flush(5000);
    clock.step(-HOUR);
    await new Promise((r) => setTimeout(r, 600));
    n.publish(same);
    await n.flush(5000);
    expect(n.stats()).toMatchObject({ delivered: 2, suppressed: 0 });
    expect(h.receiver.posts('webhook')).toHaveLength(2);
  });

  it('still suppresses an identical event inside the window after the clock stepped an hour forward', async () => {
    const clock = steppableClock();
    const n = createNotifier(config([{ type: 'webhook', url: `${h.receiver.base}/webhook/a` }], { dedupWindow: '10m' }), { stateDir: h.stateDir, clock, redactor: new Redactor() });
    h.notifiers.push(n);
    n.publish(same);
    clock.step(HOUR);
    n.publish(same);
    await n.flush(5000);
    expect(n.stats()).toMatchObject({ delivered: 1, suppressed: 1 });
    expect(h.receiver.posts('webhook')).toHaveLength(1);
  });
});
