// A channel renamed only by Clawback's auto-naming (`telegram` became `telegram-1` when a second one was added) keeps
// its bookkeeping with its spool: the 429 wait its endpoint asked for, and the live message of each open incident.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { Outbox, RATE_LIMIT_FILE, THREADS_FILE } from '../../src/notify/outbox.js';
import { adoptRenamedBookkeeping } from '../../src/notify/spool-adopt.js';
import { destinationOf } from '../../src/notify/destination.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Receiver } from './receiver.js';
import { BOT_TOKEN, config, event, receiversPerTest } from './helpers.js';

describe('bookkeeping of a channel whose auto-given name shifted', () => {
  const bed = receiversPerTest(2);
  let teamA: Receiver;
  let teamB: Receiver;
  let dir: string;
  beforeEach(() => {
    [teamA, teamB] = bed.receivers as [Receiver, Receiver];
    dir = bed.stateDir;
  });
  const telegram = (r: Receiver, chatId: number, mode: 'incident' | 'every-event' = 'every-event') => ({ type: 'telegram' as const, mode, botToken: BOT_TOKEN, chatId, apiBase: `${r.base}/telegram` });
  const start = (channels: Parameters<typeof config>[0]): Notifier => {
    const n = createNotifier(config(channels), { stateDir: dir, clock: systemClock(), redactor: new Redactor() });
    bed.notifiers.push(n);
    return n;
  };
  const file = (channel: string, name: string): string => path.join(dir, 'outbox', channel, name);

  it('the rate-limit wait follows the destination to its new name: no burst inside the wait', async () => {
    teamA.rateLimit(1, 4);
    const first = start([telegram(teamA, 111)]);
    first.publish(event({ message: 'before the second channel' }));
    await teamA.waitFor(() => teamA.requests.length === 1, 10_000, 'the 429');
    await teamA.waitFor(() => existsSync(file('telegram', RATE_LIMIT_FILE)), 10_000, 'the saved wait');
    await first.stop();

    // A second Telegram chat is added: the first one is `telegram-1` now, same bot, same chat.
    const second = start([telegram(teamA, 111), telegram(teamB, 222)]);
    await teamA.waitFor(() => teamA.accepted.length === 1, 20_000, 'the alert after the wait');
    // Before the fix the renamed channel sent it at once, inside the 4 s the endpoint asked for.
    expect(teamA.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(teamA.accepted[0]!.at - teamA.requests[0]!.at).toBeGreaterThanOrEqual(3_900);
    expect(existsSync(file('telegram', RATE_LIMIT_FILE))).toBe(false);
    await second.flush(5_000);
  }, 40_000);

  it("an open incident's next step edits its live message under the new name instead of posting a new one", async () => {
    const first = start([telegram(teamA, 111, 'incident')]);
    first.publish(event({ type: 'incident.opened', incidentId: 'inc-1', message: 'gateway down' }));
    await teamA.waitFor(() => teamA.of('telegram').length === 1, 15_000, 'the live message');
    await first.flush(5_000);
    await first.stop();
    expect(existsSync(file('telegram', THREADS_FILE))).toBe(true);
    const live = teamA.of('telegram')[0]!;

    const second = start([telegram(teamA, 111, 'incident'), telegram(teamB, 222, 'incident')]);
    second.publish(event({ type: 'incident.resolved', incidentId: 'inc-1', severity: 'resolved', message: 'healthy again' }));
    await teamA.waitFor(() => teamA.of('telegram').length === 2, 15_000, 'the close in chat 111');
    await second.flush(5_000);
    const close = teamA.of('telegram')[1]!;
    // Before the fix: a second, new message (op 'new'), the incident split in two.
    expect(close.op).toBe('edit');
    expect(close.messageId).toBe(live.messageId);
    expect(existsSync(file('telegram-1', THREADS_FILE))).toBe(true);
    expect(existsSync(file('telegram', THREADS_FILE))).toBe(false);
  }, 40_000);
});

describe('bookkeeping that stays where it is', () => {
  const bed = receiversPerTest(1);
  it('a name a person chose, another destination, or a channel with its own file: nothing moves', () => {
    const r = bed.receivers[0]!;
    const outboxDir = path.join(bed.stateDir, 'outbox');
    const put = (folder: string, file: string, data: object): void => {
      mkdirSync(path.join(outboxDir, folder), { recursive: true });
      writeFileSync(path.join(outboxDir, folder, file), JSON.stringify(data));
    };
    const hook = (url: string, name?: string) => ({ type: 'webhook' as const, url: `${r.base}/webhook/${url}`, ...(name ? { name } : {}) });
    const cfg = config([hook('a', 'ops'), hook('b'), hook('c')]).channels;
    const [ops, w1, w2] = cfg as [(typeof cfg)[number], (typeof cfg)[number], (typeof cfg)[number]];
    const wait = (dest: string) => ({ until: Date.now() + 60_000, savedAt: Date.now(), dest });
    put('webhook', RATE_LIMIT_FILE, wait(destinationOf(ops))); // the person's `ops` now: not given to it
    put('gone', RATE_LIMIT_FILE, wait(destinationOf(w1))); // a name a person chose, removed
    put('webhook', THREADS_FILE, { v: 1, threads: {}, preface: {} }); // an older version's book: whose is not known
    put('webhook-9', RATE_LIMIT_FILE, wait(destinationOf(w2)));
    put(w2.name, RATE_LIMIT_FILE, { ...wait(destinationOf(w2)), until: 1 }); // webhook-2's own file stays its own
    const outbox = new Outbox(outboxDir);
    expect(adoptRenamedBookkeeping(outbox, cfg)).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(outboxDir, w2.name, RATE_LIMIT_FILE), 'utf8')).until).toBe(1);
    for (const [folder, file] of [['webhook', RATE_LIMIT_FILE], ['gone', RATE_LIMIT_FILE], ['webhook', THREADS_FILE], ['webhook-9', RATE_LIMIT_FILE]] as const) {
      expect(existsSync(path.join(outboxDir, folder, file))).toBe(true);
    }
    // The same destination under a shifted Clawback name: it moves.
    put('webhook', RATE_LIMIT_FILE, wait(destinationOf(w1)));
    expect(adoptRenamedBookkeeping(outbox, cfg)).toEqual([`webhook → ${w1.name}: ${RATE_LIMIT_FILE}`]);
  });
});
