// Discord's 429 for an emptied bucket can carry its wait only in X-RateLimit-Reset-After (no Retry-After, no retry_after in
// the body): that wait is the answer's, said as such (the retry was logged as "in 46 ms", `notify test` said "no Retry-After").
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, DISCORD_TOKEN, event, logCollector, receiverPerTest } from './helpers.js';

const BUCKET_ONLY = { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '2.3', 'x-ratelimit-bucket': 'abcd' }, body: JSON.stringify({ message: 'You are being rate limited.' }) };

describe('a 429 whose wait is only in X-RateLimit-Reset-After', () => {
  const h = receiverPerTest();

  it('is honoured and said as the wait asked, once; the alerts arrive in order', async () => {
    const logs = logCollector();
    const n = createNotifier(config([{ type: 'discord', url: `${h.receiver.base}/discord/1234567890/${DISCORD_TOKEN}` }]), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: logs.log });
    h.notifiers.push(n);
    h.receiver.script(1, 429, BUCKET_ONLY);
    for (let i = 0; i < 3; i++) n.publish(event({ type: 'service.exited', severity: 'warning', level: undefined, incidentId: undefined, service: `svc-${i}`, message: `svc-${i} exited` }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 3, 15_000, 'three alerts');
    const [limited, first] = h.receiver.requests;
    expect(first!.at - limited!.at).toBeGreaterThanOrEqual(2300);
    expect(h.receiver.accepted.map((m) => /svc-(\d)/.exec(m.text)?.[1])).toEqual(['0', '1', '2']);
    const retries = logs.lines.filter((l) => l.includes('will retry'));
    expect(retries).toHaveLength(1);
    // Before: "retryInMs":46 (the backoff), though the channel then waited 2.3 s.
    expect(Number(/"retryInMs":(\d+)/.exec(retries[0]!)?.[1])).toBeGreaterThanOrEqual(2300);
  }, 30_000);

  it('`notify test` says how long the endpoint asks to wait', async () => {
    const n = createNotifier(config([{ type: 'discord', url: `${h.receiver.base}/discord/1234567890/${DISCORD_TOKEN}` }]), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), hostname: 'h' });
    h.notifiers.push(n);
    h.receiver.script(1, 429, BUCKET_ONLY);
    const [limited] = await n.test();
    // Before: "(rate-limited; the endpoint gave no Retry-After)".
    expect(limited!.error).toMatch(/rate-limited; the endpoint asks to wait 2\.3s before the next message/);
  });
});
