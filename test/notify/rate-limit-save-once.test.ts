// Every `notify flush` wrote each channel's rate-limit.json (mkdir, temp file, fsync, rename), also for a channel that was
// never held and when the wait was already ended: five flushes in a row, five writes per channel. Only a change is written.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { folderOf } from '../../src/notify/channel-folder.js';
import { RATE_LIMIT_FILE } from '../../src/notify/outbox.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { waitFor } from '../helpers/processes.js';
import { BOT_TOKEN, config, event, receiverPerTest } from './helpers.js';

describe('the rate-limit wait saved at a flush', () => {
  const h = receiverPerTest();
  const savedFile = (): string => path.join(h.stateDir, 'outbox', folderOf('telegram'), RATE_LIMIT_FILE);
  const start = (): ReturnType<typeof createNotifier> => {
    const cfg = config([{ type: 'telegram', botToken: BOT_TOKEN, chatId: -1234, apiBase: `${h.receiver.base}/telegram` }]);
    const n = createNotifier(cfg, { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor() });
    h.notifiers.push(n);
    return n;
  };

  it('is not written for a channel that was never held', async () => {
    const n = start();
    n.publish(event({ message: 'sent at once' }));
    await h.receiver.waitFor(() => h.receiver.accepted.length === 1, 10_000, 'the alert');
    for (let i = 0; i < 5; i++) n.retryDeadLetters();
    await n.stop();
    // Before: a rate-limit.json (an ended wait) written by every flush.
    expect(existsSync(savedFile())).toBe(false);
  }, 30_000);

  it('is written once when a flush ends the wait, not again by the flushes after it', async () => {
    h.receiver.rateLimit(1, 120);
    const n = start();
    n.publish(event({ message: 'held for two minutes' }));
    await h.receiver.waitFor(() => existsSync(savedFile()), 10_000, 'the saved wait');
    n.retryDeadLetters('telegram');
    const ended = (): boolean => {
      try {
        return (JSON.parse(readFileSync(savedFile(), 'utf8')) as { until: number }).until <= Date.now();
      } catch {
        return false;
      }
    };
    await waitFor(ended, { timeoutMs: 10_000 });
    const ino = statSync(savedFile()).ino;
    // Before: each of these wrote the file again (a new inode by the atomic rename).
    for (let i = 0; i < 4; i++) n.retryDeadLetters('telegram');
    await n.stop();
    expect(statSync(savedFile()).ino).toBe(ino);
    expect(ended()).toBe(true);
  }, 30_000);
});
