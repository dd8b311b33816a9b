// A Discord username override that Discord refuses ("discord", "clyde") must not have every alert refused for good.
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Receiver } from './receiver.js';
import { config, event, receiverPerTest } from './helpers.js';

describe('discord username override', () => {
  const h = receiverPerTest();
  let receiver: Receiver;
  beforeEach(() => {
    receiver = h.receiver;
  });

  for (const [username, sent] of [
    ['Discord Alerts', undefined],
    ['clyde-ops', undefined],
    ['here', undefined],
    ['Ops bot', 'Ops bot'],
  ] as const) {
    it(`username "${username}": the alert is delivered${sent ? ' under that name' : ' under the webhook\'s own name'}`, async () => {
      const n = createNotifier(config([{ type: 'discord', url: `${receiver.base}/discord/1/tok-abcdefghijklmnop`, username }]), {
        stateDir: h.stateDir,
        clock: systemClock(),
        redactor: new Redactor(),
      });
      h.notifiers.push(n);
      n.publish(event({ type: 'incident.escalated', level: 4, message: 'gateway needs a human' }));
      // Before: 400 'username cannot contain "discord" or "clyde"', parked as a dead letter, never delivered.
      await receiver.waitFor(() => receiver.accepted.length === 1 || n.deadLetters()['discord'] === 1, 20_000, 'the page or its refusal');
      expect(n.deadLetters()).toEqual({ discord: 0 });
      expect(receiver.accepted).toHaveLength(1);
      expect((receiver.accepted[0]!.json as { username?: string }).username).toBe(sent);
      expect(receiver.accepted[0]!.text).toContain('gateway needs a human');
    }, 30_000);
  }
});
