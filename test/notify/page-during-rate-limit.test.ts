// A page queued while a channel waits out a 429's Retry-After must wait too: the endpoint, not the message, is limited.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { BOT_TOKEN, config, event, receiverPerTest } from './helpers.js';

describe('a page during a rate limit', () => {
  const h = receiverPerTest();

  for (const kind of ['telegram', 'slack'] as const) {
    it(`${kind}: a page queued during a 429's Retry-After is not sent before it (no second 429)`, async () => {
      const receiver = h.receiver;
      const ch =
        kind === 'telegram'
          ? { type: 'telegram' as const, botToken: BOT_TOKEN, chatId: -1001234, apiBase: `${receiver.base}/telegram` }
          : { type: 'slack' as const, url: `${receiver.base}/slack/services/T000/B000/slack-webhook-token-XYZ0123456789abc` };
      const n = createNotifier(config([ch]), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor() });
      h.notifiers.push(n);
      // Telegram: the wait is in the body's parameters.retry_after (and the header); Slack: the Retry-After header.
      receiver.rateLimit(1, 2);
      n.publish(event({ type: 'incident.opened', level: 1, severity: 'warning', message: 'a warning first' }));
      await receiver.waitFor(() => receiver.requests.some((r) => r.status === 429), 10_000, 'the first 429');
      const limited = receiver.requests.find((r) => r.status === 429)!;
      n.publish(event({ type: 'incident.escalated', level: 4, severity: 'critical', message: 'the page' }));
      await receiver.waitFor(() => receiver.accepted.length === 2, 20_000, 'both delivered');
      // Every request after the first 429 came once the server's 2 s were over: none was refused a second time.
      const after = receiver.requests.filter((r) => r !== limited);
      for (const r of after) expect(r.at - limited.at).toBeGreaterThanOrEqual(2000);
      expect(receiver.requests.filter((r) => r.status === 429)).toHaveLength(1);
    });
  }
});
