// redactDeep redacted an object's values, never its keys: a details map keyed by URL (`{"http://u:pw@h/x": 3}`, a
// per-endpoint failure count) put the password in the alert on every channel, in the journal and in /api/status.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { allChannels, config, event, logCollector, receiverPerTest } from './helpers.js';

const KEY = 'http://u:pw1234567@h/x';

describe('a secret in a details key', () => {
  it('is redacted in the key, the key kept otherwise', () => {
    const r = new Redactor(['Kn0wnS3cretValue']);
    expect(r.redactDeep({ [KEY]: 3, nested: { 'sk-abcdefghijklmnop1234': 'x', Kn0wnS3cretValue: 1, plain: 2 }, password: { [KEY]: 'v' } })).toEqual({
      [`http://u:${REDACTED}@h/x`]: 3,
      nested: { [REDACTED]: 'x', [`${REDACTED} (2)`]: 1, plain: 2 },
      password: { [`http://u:${REDACTED}@h/x`]: REDACTED },
    });
  });

  const h = receiverPerTest();

  it('never reaches a channel', async () => {
    const n = createNotifier(config(allChannels(h.receiver)), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: logCollector().log });
    h.notifiers.push(n);
    n.publish(event({ type: 'probe.failed', severity: 'warning', level: undefined, message: 'web: probe failed', details: { failures: { [KEY]: 3 } } }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 6 && n.outboxDepth() === 0, 15_000, 'the alert on every channel');
    for (const m of h.receiver.accepted) {
      expect(m.raw, m.channel).not.toContain('pw1234567');
      expect(m.raw, m.channel).toContain('failures');
    }
  }, 30_000);
});
