// Azure API Management's `Ocp-Apim-Subscription-Key: <key>` passed in a log line and in a details header map, and so
// did `Cookie` / `Set-Cookie` values in a header map: each reached every channel. The other API-key headers are kept
// covered here too (X-Api-Key, Api-Key, Proxy-Authorization).
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { allChannels, config, event, logCollector, receiverPerTest } from './helpers.js';

const VALUES = ['0123456789abcdef0123', 'Xk3ApiKeyValue77', 'Ak9ApiKeyValue55', 'cHJveHk6c2VjcmV0', 'sid=S3ss10nValue1', 'sid=S3tC00kieVal2'];

describe('secret header names', () => {
  it('redacts them in a log line and as keys of a header map', () => {
    const r = new Redactor();
    for (const line of [
      `POST /x Ocp-Apim-Subscription-Key: ${VALUES[0]}`,
      `X-Api-Key: ${VALUES[1]}`,
      `Api-Key: ${VALUES[2]}`,
      `Proxy-Authorization: Basic ${VALUES[3]}`,
      `Cookie: ${VALUES[4]}`,
      `Set-Cookie: ${VALUES[5]}; Path=/`,
    ]) {
      const out = r.redact(line);
      expect(out, line).toContain(REDACTED);
      for (const v of VALUES) expect(out, line).not.toContain(v.replace(/^sid=/, ''));
    }
    expect(r.redactDeep({ 'Ocp-Apim-Subscription-Key': VALUES[0], Cookie: VALUES[4], 'Set-Cookie': [`${VALUES[5]}; Path=/`], 'Content-Type': 'application/json' })).toEqual({
      'Ocp-Apim-Subscription-Key': REDACTED,
      Cookie: REDACTED,
      'Set-Cookie': [REDACTED],
      'Content-Type': 'application/json',
    });
  });

  const h = receiverPerTest();

  it('never reaches a channel', async () => {
    const n = createNotifier(config(allChannels(h.receiver)), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: logCollector().log });
    h.notifiers.push(n);
    const headers = { 'Ocp-Apim-Subscription-Key': VALUES[0], 'X-Api-Key': VALUES[1], 'Api-Key': VALUES[2], 'Proxy-Authorization': `Basic ${VALUES[3]}`, Cookie: VALUES[4], 'Set-Cookie': [`${VALUES[5]}; Path=/`] };
    n.publish(event({ type: 'probe.failed', severity: 'warning', level: undefined, message: `web: 401 for Ocp-Apim-Subscription-Key: ${VALUES[0]}`, details: { headers } }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 6 && n.outboxDepth() === 0, 15_000, 'the alert on every channel');
    for (const m of h.receiver.accepted) {
      for (const v of VALUES) expect(m.raw, m.channel).not.toContain(v.replace(/^sid=/, ''));
      expect(m.raw, m.channel).toContain('Subscription'); // the header's name stays (MarkdownV2 escapes its dashes)
    }
  }, 30_000);
});
