// Discord says on every answer how many requests its bucket has left and when it refills: a burst must pace itself on
// those headers instead of spending a 429 per window (429s count toward Discord's invalid-request ban of the host's IP).
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { paceAfter } from '../../src/notify/delivery-outcome.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, removeDir, tempStateDir } from './helpers.js';
import { discordBucket } from './discord-bucket.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('rate-limit pacing', () => {
  it('reads an empty bucket and its reset from the headers, and nothing else', () => {
    expect(paceAfter({ status: 200, body: '', rateLimitRemaining: '0', rateLimitResetAfter: '1.25' })).toBe(1250);
    expect(paceAfter({ status: 200, body: '', rateLimitRemaining: '2', rateLimitResetAfter: '1.25' })).toBeUndefined();
    expect(paceAfter({ status: 200, body: '', rateLimitRemaining: '0', rateLimitResetAfter: 'soon' })).toBeUndefined();
    expect(paceAfter({ status: 200, body: '' })).toBeUndefined();
  });

  it('a burst to Discord spends no 429: it waits for the bucket to refill (one 429 per window before)', async () => {
    const bucket = await discordBucket(3, 1000);
    cleanups.push(bucket.close);
    const stateDir = await tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const notifier: Notifier = createNotifier(config([{ type: 'discord', url: bucket.url }]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    cleanups.push(() => notifier.stop());
    for (let i = 0; i < 10; i++) notifier.publish(event({ type: 'service.exited', severity: 'warning', level: undefined, service: `svc-${i}`, incidentId: undefined, message: `svc-${i} exited` }));
    await notifier.flush(20_000);
    expect(bucket.ok()).toBe(10);
    expect(bucket.limited()).toBe(0);
    expect(notifier.outboxDepth()).toBe(0);
  }, 30_000);
});
