// An event's details parsed from a service's JSON can hold an own `__proto__` key: the redacted copy set its prototype
// from it (the key vanished from every alert, its fields read through inheritance). It is now kept as a plain key.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { allChannels, config, event, logCollector, receiverPerTest } from './helpers.js';

const details = (): Record<string, unknown> => JSON.parse('{"__proto__":{"polluted":"yes","token":"Pq8protoSecret55","where":"proto-evidence"},"a":1}') as Record<string, unknown>;

describe('a details key named __proto__', () => {
  it('redactDeep keeps it as data and never changes the copy\'s prototype', () => {
    const r = new Redactor();
    for (const out of [r.redactDeep(details()), r.redactDeep({ token: details() }).token as Record<string, unknown>]) {
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(Object.hasOwn(out, '__proto__')).toBe(true);
      expect((out as { polluted?: unknown }).polluted).toBeUndefined();
    }
    expect(JSON.parse(JSON.stringify(r.redactDeep(details())))).toEqual(JSON.parse(`{"__proto__":{"polluted":"yes","token":"${REDACTED}","where":"proto-evidence"},"a":1}`));
  });

  const h = receiverPerTest();

  it('reaches every channel as data, its secret redacted', async () => {
    const n = createNotifier(config(allChannels(h.receiver)), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: logCollector().log });
    h.notifiers.push(n);
    n.publish(event({ type: 'probe.failed', severity: 'warning', level: undefined, message: 'web: probe failed', details: details() }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 6 && n.outboxDepth() === 0, 15_000, 'the alert on every channel');
    for (const m of h.receiver.accepted) {
      expect(m.raw, m.channel).not.toContain('Pq8protoSecret55');
    }
    const webhook = h.receiver.accepted.filter((m) => m.raw.includes('__proto__'));
    expect(webhook.length, 'channels that show the __proto__ key').toBeGreaterThan(0);
    for (const m of webhook) expect(m.raw, m.channel).toContain('proto-evidence');
  }, 30_000);
});
