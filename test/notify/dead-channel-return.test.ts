// A chat service down long enough for its alerts to become dead letters (8 refusals, 503), then back: dead letters were
// retried at the full backoff cap (5 minutes by default), so the first alert after the return waited up to 5 minutes
// (257 s seen). A channel in an outage (dead letters, or said unreachable) is now tried at most a minute apart: the return
// is noticed within 60 s, with one request a minute to a service still down, and the alerts keep their order.
// Real loopback receiver; the minutes pass on the injected clock.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { FakeClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, receiversPerTest } from './helpers.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('a channel with dead letters whose chat service comes back', () => {
  const ctx = receiversPerTest(1);

  it('is tried again within a minute, not the 5-minute backoff cap, and sends in order', async () => {
    const [r] = ctx.receivers;
    r!.script(1_000_000, 503);
    const clock = new FakeClock(Date.now());
    const n = createNotifier(config([{ type: 'webhook', name: 'hook', url: `${r!.base}/webhook/hook` }], { backoff: { initial: '1s', max: '5m' } }), {
      stateDir: ctx.stateDir,
      clock,
      redactor: new Redactor(),
      random: () => 0.99,
    });
    ctx.notifiers.push(n);
    /** Moves the injected clock a second at a time until `cond` holds; returns the fake ms it took. */
    const advanceUntil = async (cond: () => boolean, limitMs: number, what: string): Promise<number> => {
      const start = clock.monotonic();
      while (!cond()) {
        if (clock.monotonic() - start > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
        clock.advance(1000);
        for (let k = 0; k < 3; k++) await tick();
      }
      return clock.monotonic() - start;
    };
    for (let k = 0; k < 3; k++) n.publish(event({ type: 'service.exited', severity: 'warning', incidentId: undefined, service: 'svc', message: `alert #${k}` }));
    // 8 refusals (the retry budget) and the dead letters, then 10 more minutes of the outage.
    await advanceUntil(() => (n.deadLetters()['hook'] ?? 0) === 3, 30 * 60_000, 'the dead letters');
    const atDead = r!.requests.length;
    const outage = clock.monotonic();
    while (clock.monotonic() - outage < 10 * 60_000) {
      clock.advance(1000);
      await tick();
    }
    const triesInOutage = r!.requests.length - atDead;
    // Not hammered: about one try a minute (10 minutes: 8 to 12 tries), not one a second.
    expect(triesInOutage).toBeGreaterThanOrEqual(1);
    expect(triesInOutage).toBeLessThanOrEqual(12);
    // The service comes back just after a try it refused: the next try is a whole wait away.
    const before = r!.requests.length;
    await advanceUntil(() => r!.requests.length > before, 10 * 60_000, 'one more refused try');
    for (let k = 0; k < 5; k++) await tick();
    r!.clearScript();
    const took = await advanceUntil(() => r!.accepted.length >= 1, 10 * 60_000, 'the first alert after the return');
    expect(took).toBeLessThanOrEqual(60_000);
    await advanceUntil(() => r!.accepted.length >= 3, 60_000, 'the rest');
    expect(r!.of('webhook').map((m) => (m.json as { message: string }).message)).toEqual(['alert #0', 'alert #1', 'alert #2']);
  }, 60_000);

  it('an endpoint said unreachable (no answer at all) is tried again within a minute once it listens again', async () => {
    const [r] = ctx.receivers;
    await r!.down();
    const clock = new FakeClock(Date.now());
    const n = createNotifier(config([{ type: 'webhook', name: 'hook', url: `${r!.base}/webhook/hook` }], { backoff: { initial: '1s', max: '5m' } }), {
      stateDir: ctx.stateDir,
      clock,
      redactor: new Redactor(),
      random: () => 0.99,
    });
    ctx.notifiers.push(n);
    const advanceUntil = async (cond: () => boolean, limitMs: number, what: string): Promise<number> => {
      const start = clock.monotonic();
      while (!cond()) {
        if (clock.monotonic() - start > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
        clock.advance(1000);
        for (let k = 0; k < 3; k++) await tick();
      }
      return clock.monotonic() - start;
    };
    n.publish(event({ type: 'service.exited', severity: 'warning', incidentId: undefined, service: 'svc', message: 'alert #0' }));
    // maxAttempts (8) tries without an answer: the outage is said, the try that said it is the last at the full backoff.
    await advanceUntil(() => n.unreachable()['hook'] !== undefined, 30 * 60_000, 'the outage said');
    for (let k = 0; k < 5; k++) await tick();
    await r!.up();
    const took = await advanceUntil(() => r!.accepted.length >= 1, 10 * 60_000, 'the alert after the return');
    expect(took).toBeLessThanOrEqual(60_000);
  }, 60_000);
});
