// A step of the wall clock must not age the spooled alerts: outboxMaxAge counts on the monotonic clock in a run.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { Redactor } from '../../src/observe/redact.js';
import { HOUR, steppableClock } from '../helpers/clock.js';
import { config, event, receiverPerTest } from './helpers.js';

describe('outbox age across a wall-clock step', () => {
  const h = receiverPerTest();

  it('delivers an alert spooled while the endpoint was down after NTP stepped the clock forward past outboxMaxAge', async () => {
    const clock = steppableClock();
    await h.receiver.down();
    const n = createNotifier(config([{ type: 'webhook', url: `${h.receiver.base}/webhook/a` }], { outboxMaxAge: '1h' }), {
      stateDir: h.stateDir,
      clock,
      redactor: new Redactor(),
    });
    h.notifiers.push(n);
    n.publish(event({ message: 'gateway down' }));
    await new Promise((r) => setTimeout(r, 200));
    // A Raspberry Pi without an RTC: the clock was a day behind until NTP synced, seconds after the alert was queued.
    clock.step(24 * HOUR);
    await h.receiver.up();
    await n.flush(5000);
    expect(n.stats()).toMatchObject({ delivered: 1, deadLettered: 0 });
    expect(n.deadLetters()).toEqual({ webhook: 0 });
  });

  it('still expires an alert spooled before a restart by its persisted age (read once, at load)', async () => {
    const clock = steppableClock();
    await h.receiver.down();
    const first = createNotifier(config([{ type: 'webhook', url: `${h.receiver.base}/webhook/a` }], { outboxMaxAge: '1h' }), {
      stateDir: h.stateDir,
      clock,
      redactor: new Redactor(),
    });
    h.notifiers.push(first);
    first.publish(event({ message: 'old' }));
    await new Promise((r) => setTimeout(r, 200));
    await first.stop();
    clock.step(2 * HOUR);
    await h.receiver.up();
    const second = createNotifier(config([{ type: 'webhook', url: `${h.receiver.base}/webhook/a` }], { outboxMaxAge: '1h' }), {
      stateDir: h.stateDir,
      clock,
      redactor: new Redactor(),
    });
    h.notifiers.push(second);
    await second.flush(5000);
    expect(second.stats()).toMatchObject({ delivered: 0, deadLettered: 1 });
  });
});
