// A long spell of 503s that each carry a Retry-After (an endpoint in maintenance): the alert stays spooled and the log says
// so once per LOG_EVERY_TRIES tries, like any other failure, not on every retry. Real loopback receiver.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, logCollector, receiversPerTest } from './helpers.js';

describe('a 503 spell with Retry-After on every answer', () => {
  const ctx = receiversPerTest(1);

  it('logs the failing delivery every tenth try, not each of 30 retries', async () => {
    const [r] = ctx.receivers;
    r!.script(30, 503, { retryAfterSec: 0 });
    const logs = logCollector();
    const n = createNotifier(config([{ type: 'webhook', name: 'hook', url: `${r!.base}/webhook/hook` }], { maxAttempts: 1000, backoff: { initial: 20, max: 20 } }), {
      stateDir: ctx.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      log: logs.log,
    });
    ctx.notifiers.push(n);
    n.publish(event({ type: 'service.exited', incidentId: undefined }));
    await r!.waitFor(() => r!.of('webhook').length === 1, 20_000, 'the alert after the spell');
    expect(r!.requests.filter((q) => q.status === 503)).toHaveLength(30);
    // Tries 1, 11 and 21 (30 lines before).
    expect(logs.lines.filter((l) => l.includes('delivery failed; will retry')).length).toBeLessThanOrEqual(3);
  }, 30_000);
});
