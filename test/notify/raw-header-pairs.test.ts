// A details list of header names and values in turn (Node's `rawHeaders`) showed `X-Api-Key` and `Cookie` values on
// every channel: each element alone looked harmless. The value after a secret name alone is now redacted.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { allChannels, config, event, logCollector, receiverPerTest } from './helpers.js';

const RAW = ['Host', 'examplehost', 'X-Api-Key', 'Zq7abcdefgh123', 'Cookie', 'sid=Qw9cookie77', 'Accept', '*/*'];

describe('a list of header names and values', () => {
  it('redacts the value after a secret name, keeps the others', () => {
    expect(new Redactor().redactDeep({ rawHeaders: RAW }).rawHeaders).toEqual(['Host', 'examplehost', 'X-Api-Key', REDACTED, 'Cookie', REDACTED, 'Accept', '*/*']);
  });

  const h = receiverPerTest();

  it('never reaches a channel', async () => {
    const n = createNotifier(config(allChannels(h.receiver)), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: logCollector().log });
    h.notifiers.push(n);
    n.publish(event({ type: 'probe.failed', severity: 'warning', level: undefined, message: 'web: probe failed', details: { rawHeaders: RAW } }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 6 && n.outboxDepth() === 0, 15_000, 'the alert on every channel');
    for (const m of h.receiver.accepted) {
      expect(m.raw, m.channel).not.toContain('Zq7abcdefgh123');
      expect(m.raw, m.channel).not.toContain('Qw9cookie77');
      expect(m.raw, m.channel).toContain('examplehost');
    }
  }, 30_000);
});
