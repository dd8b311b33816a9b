// A value under a secret-named key in an event's details that was not one string (a list, a number, an object) reached
// every channel as written: `{apiKey: ["..."]}`, `{password: 483920}`. LLM token counts and a fencing token stay shown.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { allChannels, config, event, logCollector, receiverPerTest } from './helpers.js';

describe('values under secret-named keys', () => {
  it('redacts lists, numbers and objects under a secret key, keeps counts under keys that only mention one', () => {
    const r = new Redactor();
    expect(r.redactDeep({ apiKey: ['s3cr3tvalue123', 'other-value-9'], password: 483920, token: { value: 'abcdefgh' }, clientSecret: [1234, 'x'] })).toEqual({
      apiKey: [REDACTED, REDACTED],
      password: REDACTED,
      token: { value: REDACTED },
      clientSecret: [REDACTED, REDACTED],
    });
    const counts = { tokens: 1234, maxTokens: 4096, tokenCount: 12, promptTokens: 800, fencingToken: 7, passwordSet: true, apiKey: null };
    expect(r.redactDeep(counts)).toEqual(counts);
  });

  const h = receiverPerTest();

  it('never shows them on any channel', async () => {
    const n = createNotifier(config(allChannels(h.receiver)), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: logCollector().log });
    h.notifiers.push(n);
    n.publish(event({ type: 'probe.failed', severity: 'warning', level: undefined, message: 'web: probe failed', details: { apiKey: ['s3cr3tvalue123'], password: 483920, maxTokens: 4096 } }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 6 && n.outboxDepth() === 0, 15_000, 'the alert on every channel');
    for (const m of h.receiver.accepted) {
      expect(m.raw, m.channel).not.toContain('s3cr3tvalue123');
      expect(m.raw, m.channel).not.toContain('483920');
      expect(m.raw, m.channel).toContain('4096');
    }
  }, 30_000);
});
