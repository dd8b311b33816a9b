// A chat service down while the outbox was full: its alerts were folded into a summary naming the channel `webhook`.
// A second webhook is then added (config reload or restart): the first one is `webhook-1` now and takes the spool along,
// its open summary too. The reopened summary kept the text and details of the old name (and the old outboxLimit) when
// nothing more was folded into it: "the outbox for webhook holds at most 10". It is said anew for the channel that sends
// it. Real loopback receivers, real files.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { FakeClock, systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, receiversPerTest } from './helpers.js';

describe('an open flood summary taken over by a renamed channel', () => {
  const ctx = receiversPerTest(2);

  it('names the channel that sends it and its limit now, not the old name', async () => {
    const [team, other] = ctx.receivers as [NonNullable<(typeof ctx.receivers)[0]>, NonNullable<(typeof ctx.receivers)[0]>];
    team.script(1_000_000, 503);
    const url = `${team.base}/webhook/hook`;
    const first = createNotifier(config([{ type: 'webhook', url }], { outboxLimit: 10, backoff: { initial: '1h', max: '1h' } }), {
      stateDir: ctx.stateDir,
      clock: new FakeClock(Date.now()),
      redactor: new Redactor(),
    });
    for (let k = 0; k < 13; k++) first.publish(event({ type: 'service.exited', severity: 'warning', incidentId: undefined, service: 'svc', message: `alert #${k}` }));
    await team.waitFor(() => team.requests.length >= 1, 5_000, 'the first try');
    await first.stop();
    team.clearScript();

    const second = createNotifier(
      config([{ type: 'webhook', url }, { type: 'webhook', url: `${other.base}/webhook/other` }], { outboxLimit: 12, backoff: { initial: 10, max: 20 } }),
      { stateDir: ctx.stateDir, clock: systemClock(), redactor: new Redactor() },
    );
    ctx.notifiers.push(second);
    await team.waitFor(() => team.of('webhook').length >= 11, 10_000, 'the backlog');
    await second.flush(2_000);
    const sent = team.of('webhook').map((m) => m.json as { type: string; message: string; details?: { channel?: string; suppressed?: number } });
    const summary = sent.find((m) => m.type === 'notify.suppressed');
    expect(summary?.details?.suppressed).toBe(3);
    expect(summary?.details?.channel).toBe('webhook-1');
    expect(summary?.message).toContain('the outbox for webhook-1 holds at most 12');
    expect(summary?.message).not.toMatch(/outbox for webhook holds/);
  }, 30_000);
});
