// A flush (the daemon's 5 s at SIGTERM) waited its whole time for a channel told to come back in 30 s, which could send
// nothing in it: the stop took 5 s for nothing. It now ends once what is left cannot go before its deadline; those
// alerts stay spooled and go after the next start, in order, once, with the time they happened.
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Receiver } from './receiver.js';
import { BOT_TOKEN, config, event, receiverPerTest } from './helpers.js';

/** Resolves with 'flushed' or, after `boundMs`, 'still waiting'. */
async function flushOrBound(flush: Promise<void>, boundMs: number): Promise<'flushed' | 'still waiting'> {
  const ctl = new AbortController();
  try {
    return await Promise.race([flush.then(() => 'flushed' as const), sleep(boundMs, 'still waiting' as const, { signal: ctl.signal })]);
  } finally {
    ctl.abort();
  }
}

describe('a flush and a channel rate-limited past its deadline', () => {
  const h = receiverPerTest();
  let receiver: Receiver;
  beforeEach(() => {
    receiver = h.receiver;
  });
  const start = (): ReturnType<typeof createNotifier> => {
    const cfg = config([{ type: 'telegram', botToken: BOT_TOKEN, chatId: -1234, apiBase: `${receiver.base}/telegram` }]);
    const n = createNotifier(cfg, { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor() });
    h.notifiers.push(n);
    return n;
  };

  it('does not wait for a channel that sends nothing before the flush is over', async () => {
    receiver.rateLimit(1, 120);
    const n = start();
    n.publish(event({ message: 'held by the rate limit' }));
    await receiver.waitFor(() => receiver.requests.length === 1, 10_000, 'the 429');
    await receiver.waitFor(() => n.rateLimited()['telegram'] !== undefined, 10_000, 'the wait taken');
    // Before the fix the flush lasted its full minute (the channel sends nothing for two).
    expect(await flushOrBound(n.flush(60_000), 20_000)).toBe('flushed');
    expect(n.outboxDepth()).toBe(1);
    expect(receiver.requests).toHaveLength(1);
  }, 40_000);

  it('still waits for a channel whose wait ends before the deadline', async () => {
    receiver.rateLimit(1, 1);
    const n = start();
    n.publish(event({ message: 'sent after a short wait' }));
    await receiver.waitFor(() => receiver.requests.length === 1, 10_000, 'the 429');
    await n.flush(30_000);
    expect(receiver.accepted).toHaveLength(1);
    expect(n.outboxDepth()).toBe(0);
  }, 40_000);

  it('what it left goes after the next start: in order, once, with the time it happened', async () => {
    receiver.rateLimit(1, 4);
    const first = start();
    const at = Date.now() - 3 * 60_000;
    for (let i = 1; i <= 3; i++) first.publish(event({ type: 'service.unhealthy', severity: 'warning', time: at + i * 1000, message: `crash ${i}`, service: `svc${i}` }));
    await receiver.waitFor(() => receiver.requests.length === 1, 10_000, 'the 429');
    await receiver.waitFor(() => first.rateLimited()['telegram'] !== undefined, 10_000, 'the wait taken');
    expect(await flushOrBound(first.flush(2_000), 20_000)).toBe('flushed');
    await first.stop();
    expect(receiver.accepted).toHaveLength(0);

    const second = start();
    await receiver.waitFor(() => receiver.accepted.length === 3, 30_000, 'the three after the restart');
    await second.flush(10_000);
    await sleep(500);
    const texts = receiver.accepted.map((m) => m.text);
    expect(texts).toHaveLength(3);
    texts.forEach((t, i) => {
      expect(t).toContain(`crash ${i + 1}`);
      const d = new Date(at + (i + 1) * 1000);
      const hhmmss = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map((x) => String(x).padStart(2, '0')).join(':');
      expect(t).toContain(`event at ${hhmmss} UTC`);
    });
    // The restart waited out the rest of the 4 s (saved-rate-limit.ts), not hammering the channel at start.
    expect(receiver.requests.map((r) => r.status)).toEqual([429, 200, 200, 200]);
    expect(receiver.accepted[0]!.at - receiver.requests[0]!.at).toBeGreaterThanOrEqual(3_900);
  }, 60_000);
});
