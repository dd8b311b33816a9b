// A moved Telegram chat (migrate_to_chat_id) is remembered beside the outbox: a restart or reload (notify is read again
// only by a restart) and a channel test send to the new chat at once instead of being refused first every time.
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Receiver } from './receiver.js';
import { BOT_TOKEN, config, event, logCollector, receiverPerTest } from './helpers.js';

describe('telegram chat moved, after a restart', () => {
  const h = receiverPerTest();
  let receiver: Receiver;
  beforeEach(() => {
    receiver = h.receiver;
  });
  const tg = (chatId: number): ReturnType<typeof config> => config([{ type: 'telegram', botToken: BOT_TOKEN, chatId, apiBase: `${receiver.base}/telegram` }]);
  const start = (chatId: number, warn?: (m: string, e?: object) => void): ReturnType<typeof createNotifier> => {
    const n = createNotifier(tg(chatId), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), ...(warn ? { warn } : {}) });
    h.notifiers.push(n);
    return n;
  };

  it('the next daemon sends to the new chat at once, and its channel test too', async () => {
    receiver.telegramMigrated.set('-1234', -1009876543210);
    const first = start(-1234);
    first.publish(event({ message: 'before the restart' }));
    await receiver.waitFor(() => receiver.accepted.length === 1, 20_000, 'the first alert');
    await first.flush(5_000);
    await first.stop();
    expect(receiver.requests.map((r) => r.status)).toEqual([400, 200]);

    // The daemon restarts with the same config (the chat id not yet updated by a person).
    const warnings = logCollector();
    const second = start(-1234, warnings.log);
    second.publish(event({ message: 'after the restart' }));
    await receiver.waitFor(() => receiver.accepted.length === 2 || second.deadLetters()['telegram'] !== 0, 20_000, 'the second alert');
    // Before the fix: [400, 200, 400, 200]: every alert after a restart was refused once more.
    expect(receiver.requests.map((r) => r.status)).toEqual([400, 200, 200]);
    expect((receiver.accepted[1]!.json as { chat_id: unknown }).chat_id).toBe('-1009876543210');
    // Still said, so the person puts the new id in the config.
    expect(warnings.lines.some((l) => l.includes('set its chatId to -1009876543210'))).toBe(true);

    // The channel test (Notifier.test) follows the chat too (before the fix: 400, "not working").
    const results = await second.test();
    expect(results).toEqual([{ channel: 'telegram', ok: true, status: 200 }]);
    expect((receiver.accepted[2]!.json as { chat_id: unknown }).chat_id).toBe('-1009876543210');
  }, 40_000);

  it('a config naming another chat forgets the move', async () => {
    receiver.telegramMigrated.set('-1234', -1009876543210);
    const first = start(-1234);
    first.publish(event({ message: 'moved' }));
    await receiver.waitFor(() => receiver.accepted.length === 1, 20_000, 'the first alert');
    await first.stop();
    // The person set another chat: alerts go there, not to the chat learnt for the old id.
    const second = start(-5555);
    second.publish(event({ message: 'to the new config' }));
    await receiver.waitFor(() => receiver.accepted.length === 2, 20_000, 'the second alert');
    expect((receiver.accepted[1]!.json as { chat_id: unknown }).chat_id).toBe('-5555');
  }, 40_000);
});
