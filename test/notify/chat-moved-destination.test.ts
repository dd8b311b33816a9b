// chat-moved.json (a Telegram group that became a supergroup) had no destination, unlike the spool and threads.json: a
// channel name that came to mean a chat of the same id on another Bot API server inherited the move, and its alerts went
// to a chat id that server never named. Now the move is kept with its destination and applies only there.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { BOT_TOKEN, config, event, receiversPerTest } from './helpers.js';

describe('a remembered chat move and its destination', () => {
  const bed = receiversPerTest(2);
  const start = (apiBase: string, name?: string): ReturnType<typeof createNotifier> => {
    const n = createNotifier(config([{ type: 'telegram', ...(name ? { name } : {}), botToken: BOT_TOKEN, chatId: -1234, apiBase }]), {
      stateDir: bed.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      warn: () => undefined,
    });
    bed.notifiers.push(n);
    return n;
  };
  const chatIds = (i: number): unknown[] => bed.receivers[i]!.accepted.map((m) => (m.json as { chat_id: unknown }).chat_id);

  it('is not followed by the same channel name on another API base', async () => {
    const [a, b] = bed.receivers as [NonNullable<(typeof bed.receivers)[0]>, NonNullable<(typeof bed.receivers)[1]>];
    a.telegramMigrated.set('-1234', -1009876543210);
    const first = start(`${a.base}/telegram`);
    first.publish(event({ message: 'on server A' }));
    await a.waitFor(() => a.accepted.length === 1, 20_000, 'the alert on A, in the new chat');
    await first.flush(5_000);
    await first.stop();
    expect(chatIds(0)).toEqual(['-1009876543210']);

    // The channel "telegram" now names chat -1234 on another Bot API server, where that chat never moved.
    const second = start(`${b.base}/telegram`);
    second.publish(event({ message: 'on server B' }));
    await b.waitFor(() => b.accepted.length === 1 || b.requests.length > 0, 20_000, 'the alert on B');
    // Before the fix: sent to -1009876543210, a chat id server B never named.
    expect(chatIds(1)).toEqual(['-1234']);
    await second.stop();

    // Back on server A, the move is still known there.
    const third = start(`${a.base}/telegram`);
    third.publish(event({ message: 'on server A again' }));
    await a.waitFor(() => a.accepted.length === 2, 20_000, 'the second alert on A');
    expect(chatIds(0)).toEqual(['-1009876543210', '-1009876543210']);
    expect(a.requests.map((r) => r.status)).toEqual([400, 200, 200]);
  }, 60_000);

  it('a file an older version wrote (no destination) still applies under a chosen name, not under a name by position', async () => {
    const a = bed.receivers[0]!;
    for (const name of ['ops', 'telegram-1']) {
      mkdirSync(path.join(bed.stateDir, 'outbox', name), { recursive: true });
      writeFileSync(path.join(bed.stateDir, 'outbox', name, 'chat-moved.json'), JSON.stringify({ from: '-1234', to: '-1005555' }));
    }
    const chosen = start(`${a.base}/telegram`, 'ops');
    chosen.publish(event({ message: 'chosen name' }));
    await a.waitFor(() => a.accepted.length === 1, 20_000, 'the alert of "ops"');
    await chosen.stop();
    const byPosition = start(`${a.base}/telegram`, 'telegram-1');
    byPosition.publish(event({ message: 'position name' }));
    await a.waitFor(() => a.accepted.length === 2, 20_000, 'the alert of "telegram-1"');
    expect(chatIds(0)).toEqual(['-1005555', '-1234']);
  }, 60_000);
});
