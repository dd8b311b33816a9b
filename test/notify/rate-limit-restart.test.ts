// A channel's 429 wait is kept beside its outbox: a daemon restarted inside the wait holds the spooled alert until the
// wait is over, instead of sending it at once and drawing another 429 (Telegram lengthens a flood wait broken early).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { folderOf } from '../../src/notify/channel-folder.js';
import { RATE_LIMIT_FILE } from '../../src/notify/outbox.js';
import { savedWaitMs } from '../../src/notify/saved-rate-limit.js';
import { destinationOf } from '../../src/notify/destination.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Receiver } from './receiver.js';
import { BOT_TOKEN, config, event, receiverPerTest } from './helpers.js';

describe('a rate limit across a daemon restart', () => {
  const h = receiverPerTest();
  let receiver: Receiver;
  beforeEach(() => {
    receiver = h.receiver;
  });
  const savedFile = (): string => path.join(h.stateDir, 'outbox', folderOf('telegram'), RATE_LIMIT_FILE);
  const start = (): ReturnType<typeof createNotifier> => {
    const cfg = config([{ type: 'telegram', botToken: BOT_TOKEN, chatId: -1234, apiBase: `${receiver.base}/telegram` }]);
    const n = createNotifier(cfg, { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor() });
    h.notifiers.push(n);
    return n;
  };

  it('the next daemon waits out the retry_after the last one was given', async () => {
    receiver.rateLimit(1, 3);
    const first = start();
    first.publish(event({ message: 'before the restart' }));
    await receiver.waitFor(() => receiver.requests.length === 1, 10_000, 'the 429');
    // The daemon read the answer (a stop before it did would have no wait to keep).
    await receiver.waitFor(() => existsSync(savedFile()), 10_000, 'the saved wait');
    await first.stop();

    const second = start();
    await receiver.waitFor(() => receiver.accepted.length === 1, 20_000, 'the alert after the wait');
    // Before the fix the second daemon sent it at once (a few ms after the 429), inside the 3 s the endpoint asked.
    expect(receiver.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(receiver.accepted[0]!.at - receiver.requests[0]!.at).toBeGreaterThanOrEqual(2_900);
    await second.stop();
  }, 40_000);

  it('a saved wait is bounded when loaded back: never past the cap, never stretched by a clock stepped back', () => {
    const cfg = config([{ type: 'telegram', botToken: BOT_TOKEN, chatId: -1234, apiBase: 'http://127.0.0.1:9/telegram' }]).channels[0]!;
    const dest = destinationOf(cfg);
    const now = 1_800_000_000_000;
    // 30 s asked 10 s ago: 20 s left.
    expect(savedWaitMs({ until: now + 20_000, savedAt: now - 10_000, dest }, cfg, now, 300_000)).toBe(20_000);
    // Over: nothing.
    expect(savedWaitMs({ until: now - 1, savedAt: now - 30_000, dest }, cfg, now, 300_000)).toBe(0);
    // The wall clock stepped back an hour since a 30 s wait was saved: still 30 s at most, not an hour and 30 s.
    expect(savedWaitMs({ until: now + 3_630_000, savedAt: now + 3_600_000, dest }, cfg, now, 300_000)).toBe(30_000);
    // A hand-edited wait a year long: the cap.
    expect(savedWaitMs({ until: now + 365 * 86_400_000, savedAt: now, dest }, cfg, now, 300_000)).toBe(300_000);
    // Another destination (a rotated bot) or a garbled file: not held.
    expect(savedWaitMs({ until: now + 20_000, savedAt: now, dest: 'other' }, cfg, now, 300_000)).toBe(0);
    expect(savedWaitMs({ until: 'soon' }, cfg, now, 300_000)).toBe(0);
    expect(savedWaitMs(undefined, cfg, now, 300_000)).toBe(0);
  });

  it('a flush ends a saved wait', async () => {
    receiver.rateLimit(1, 120);
    const first = start();
    first.publish(event({ message: 'held for two minutes' }));
    await receiver.waitFor(() => receiver.requests.length === 1, 10_000, 'the 429');
    await receiver.waitFor(() => existsSync(savedFile()), 10_000, 'the saved wait');
    await first.stop();
    const saved = JSON.parse(await readFile(savedFile(), 'utf8')) as { until: number };
    expect(saved.until).toBeGreaterThan(Date.now() + 60_000);
    const second = start();
    second.retryDeadLetters('telegram');
    await receiver.waitFor(() => receiver.accepted.length === 1, 10_000, 'the alert after a flush');
    await second.stop();
  }, 40_000);
});
