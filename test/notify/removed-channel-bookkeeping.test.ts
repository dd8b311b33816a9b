// A removed channel's outbox folder holding only its bookkeeping (rate-limit.json, threads.json, chat-moved.json) was
// never pruned: every start listed it again. Its rate-limit wait goes once over; the rest after a day unchanged.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { folderOf } from '../../src/notify/channel-folder.js';
import { MOVED_CHAT_FILE, RATE_LIMIT_FILE, THREADS_FILE } from '../../src/notify/outbox.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Clock } from '../../src/platform/clock.js';
import { HOUR, steppableClock } from '../helpers/clock.js';
import { config, receiverPerTest } from './helpers.js';

describe('the outbox folder of a removed channel', () => {
  const h = receiverPerTest();
  const folder = (): string => path.join(h.stateDir, 'outbox', folderOf('Tg'));
  const start = async (clock: Clock): Promise<void> => {
    const n = createNotifier(config([{ type: 'webhook', url: `${h.receiver.base}/webhook/a` }]), { stateDir: h.stateDir, clock, redactor: new Redactor() });
    h.notifiers.push(n);
    await n.stop();
  };

  it('drops a rate-limit wait that is over at once, the thread book and chat move after a day, and then the folder', async () => {
    const clock = steppableClock();
    const now = clock.now();
    // What a daemon that sent to the Telegram channel "Tg" left beside its (empty) outbox before "Tg" was removed.
    mkdirSync(folder(), { recursive: true });
    writeFileSync(path.join(folder(), RATE_LIMIT_FILE), JSON.stringify({ until: now - 1_000, savedAt: now - 31_000, dest: 'x' }));
    writeFileSync(path.join(folder(), THREADS_FILE), JSON.stringify({ v: 1, threads: {}, preface: {} }));
    writeFileSync(path.join(folder(), MOVED_CHAT_FILE), JSON.stringify({ from: '-1', to: '-100', dest: 'x' }));

    await start(clock);
    expect(readdirSync(folder()).sort()).toEqual([MOVED_CHAT_FILE, THREADS_FILE].sort()); // a channel put back today keeps them

    clock.step(25 * HOUR);
    await start(clock);
    expect(existsSync(folder())).toBe(false);
  });

  it('keeps a rate-limit wait still running', async () => {
    const clock = steppableClock();
    mkdirSync(folder(), { recursive: true });
    writeFileSync(path.join(folder(), RATE_LIMIT_FILE), JSON.stringify({ until: clock.now() + 60_000, savedAt: clock.now(), dest: 'x' }));
    await start(clock);
    expect(readdirSync(folder())).toEqual([RATE_LIMIT_FILE]);
  });
});
