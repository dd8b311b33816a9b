// A webhook's own `Content-Type` (or `User-Agent`) in another case than ours was sent beside our default as one
// combined value ("application/json, application/x-custom"): the channel's header replaces ours, whatever its case.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, logCollector, receiverPerTest } from './helpers.js';

describe('webhook headers of the channel', () => {
  const ctx = receiverPerTest();

  it('replace the defaults whatever their case; the rest of the defaults stay', async () => {
    const logs = logCollector();
    const n = createNotifier(
      config([{ type: 'webhook', url: `${ctx.receiver.base}/webhook/own`, headers: { 'Content-Type': 'application/json; charset=utf-8', 'USER-AGENT': 'my-relay/2' } }]),
      { stateDir: ctx.stateDir, clock: systemClock(), redactor: new Redactor(), log: logs.log, warn: logs.log },
    );
    ctx.notifiers.push(n);
    n.publish(event({ message: 'gateway down' }));
    await n.flush(10_000);
    const got = ctx.receiver.posts('webhook');
    expect(got).toHaveLength(1);
    expect(got[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(got[0]!.headers['user-agent']).toBe('my-relay/2');
    expect(got[0]!.headers['idempotency-key']).toBeTruthy();
  }, 20_000);
});
