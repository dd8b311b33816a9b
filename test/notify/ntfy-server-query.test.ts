// An ntfy server given with a query (`https://ntfy.example.com/?auth=…`, ntfy's way to pass a token in the URL) got the
// topic appended inside the query (`?auth=…/alerts`): every alert went to the server root and was refused. The topic
// now goes into the path, the query is kept, and its token is redacted like a channel's other secrets.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { notifySchema } from '../../src/notify/notify-schema.js';
import { notifySecrets } from '../../src/notify/notify-secrets.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { config, event, logCollector, receiverPerTest } from './helpers.js';

const AUTH = 'tk_QXV0aFRva2VuMTIzNDU2';

describe('an ntfy server URL with a query', () => {
  const h = receiverPerTest();

  it('publishes to server path + topic with the query kept', async () => {
    const receiver = h.receiver;
    const logs = logCollector();
    const n = createNotifier(config([{ type: 'ntfy', server: `${receiver.base}/ntfy/?auth=${AUTH}`, topic: 'alerts' }]), {
      stateDir: h.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      log: logs.log,
      warn: logs.log,
    });
    h.notifiers.push(n);
    n.publish(event({ type: 'incident.escalated', level: 4, message: 'gateway needs a human' }));
    // Before: POST /ntfy/?auth=…/alerts, path "/ntfy/": refused 400 ("bad topic path") and retried.
    await receiver.waitFor(() => receiver.accepted.some((m) => m.channel === 'ntfy' && m.path === '/ntfy/alerts'), 10_000, 'the alert on /ntfy/alerts');
    expect(receiver.requests.filter((r) => r.status >= 400)).toEqual([]);
  }, 30_000);

  it('the query token is a secret', () => {
    const cfg = notifySchema.parse({ channels: [{ type: 'ntfy', server: `https://ntfy.example.com/?auth=${AUTH}`, topic: 'alerts' }] });
    const r = new Redactor(notifySecrets(cfg));
    expect(r.redact(`POST https://ntfy.example.com/alerts?auth=${AUTH} failed`)).not.toContain(AUTH);
    expect(r.redact(`token ${AUTH} refused`)).toBe(`token ${REDACTED} refused`);
  });
});
