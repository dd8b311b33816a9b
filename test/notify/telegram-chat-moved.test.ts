// A Telegram group upgraded to a supergroup answers 400 with migrate_to_chat_id: alerts follow it, and the person is told.
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Receiver } from './receiver.js';
import { BOT_TOKEN, config, event, logCollector, receiverPerTest } from './helpers.js';

describe('telegram chat moved', () => {
  const h = receiverPerTest();
  let receiver: Receiver;
  beforeEach(() => {
    receiver = h.receiver;
  });

  it('alerts go to the new chat id, said once as a warning naming it', async () => {
    receiver.telegramMigrated.set('-1234', -1009876543210);
    const warnings = logCollector();
    const n = createNotifier(config([{ type: 'telegram', botToken: BOT_TOKEN, chatId: -1234, apiBase: `${receiver.base}/telegram` }]), {
      stateDir: h.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      warn: warnings.log,
    });
    h.notifiers.push(n);
    n.publish(event({ type: 'incident.escalated', level: 4, message: 'gateway needs a human' }));
    // Before the fix: 400 "group chat was upgraded to a supergroup chat", parked; every later alert too.
    await receiver.waitFor(() => receiver.accepted.length === 1 || n.deadLetters()['telegram'] === 1, 20_000, 'the page or its refusal');
    n.publish(event({ type: 'incident.opened', message: 'second alert', incidentId: 'inc-0002' }));
    await receiver.waitFor(() => receiver.accepted.length === 2 || n.deadLetters()['telegram'] !== 0, 20_000, 'the second alert or a refusal');
    expect(n.deadLetters()).toEqual({ telegram: 0 });
    expect(receiver.accepted.map((m) => (m.json as { chat_id: unknown }).chat_id)).toEqual(['-1009876543210', '-1009876543210']);
    expect(receiver.accepted[0]!.text).toContain('gateway needs a human');
    // One refusal only: the second alert went to the new chat at once.
    expect(receiver.requests.map((r) => r.status)).toEqual([400, 200, 200]);
    const said = warnings.lines.filter((l) => l.includes('the chat moved'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('set its chatId to -1009876543210');
    expect(said[0]).not.toContain(BOT_TOKEN);
  }, 30_000);
});
