// The dispatcher saved a channel's rate-limit wait without waiting (`void savePace`), and stop() did not wait for that
// write: at a reload (the old notifier stopped, the new one built at once) the old one's last rate-limit.json write
// could land after the new one read the file, so a wait the person had just ended (`notify flush`) held again.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { folderOf } from '../../src/notify/channel-folder.js';
import { RATE_LIMIT_FILE } from '../../src/notify/outbox.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { BOT_TOKEN, config, event, receiverPerTest } from './helpers.js';

describe('a rate-limit wait saved around a reload', () => {
  const h = receiverPerTest();
  const savedFile = (): string => path.join(h.stateDir, 'outbox', folderOf('telegram'), RATE_LIMIT_FILE);
  const start = (replaces?: ReturnType<typeof createNotifier>): ReturnType<typeof createNotifier> => {
    const cfg = config([{ type: 'telegram', botToken: BOT_TOKEN, chatId: -1234, apiBase: `${h.receiver.base}/telegram` }]);
    const n = createNotifier(cfg, { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), ...(replaces ? { replaces } : {}) });
    h.notifiers.push(n);
    return n;
  };

  it('the wait a flush ended just before the reload is not brought back by the old notifier\'s late write', async () => {
    h.receiver.rateLimit(1, 120);
    const first = start();
    first.publish(event({ message: 'held for two minutes' }));
    await h.receiver.waitFor(() => h.receiver.requests.length === 1, 10_000, 'the 429');
    await h.receiver.waitFor(() => existsSync(savedFile()), 10_000, 'the saved wait');
    // Five flushes in a row and the reload at once: every write of the wait is the old notifier's to finish in stop().
    for (let i = 0; i < 5; i++) first.retryDeadLetters('telegram');
    await first.stop();
    // What the new notifier reads: the wait the flush ended, not the 120 s one (before the fix: until ~2 min ahead).
    const saved = JSON.parse(readFileSync(savedFile(), 'utf8')) as { until: number };
    expect(saved.until).toBeLessThanOrEqual(Date.now());
    const second = start(first);
    await h.receiver.waitFor(() => h.receiver.accepted.length === 1, 15_000, 'the alert sent by the new notifier at once');
    await second.stop();
  }, 40_000);
});
